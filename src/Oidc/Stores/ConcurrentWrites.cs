using LiteDB;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;

namespace OpenMeet.Oidc.Stores;

/// <summary>
/// Optimistic concurrency for the OpenIddict documents: a write succeeds only if the stored document still
/// carries the concurrency token the caller read. This is what keeps an authorization code single-use when
/// two requests redeem it at once: both read the same token, the first write changes it, and the second
/// gets a <see cref="OpenIddictExceptions.ConcurrencyException"/>, which the token manager turns into
/// "not redeemed".
/// </summary>
internal static class ConcurrentWrites
{
    public static void Update<T>(LiteDatabase db, ILiteCollection<T> collection, T document)
        where T : class, IOidcDocument
    {
        var expected = document.ConcurrencyToken;
        lock (WriteGate.For(db))
        {
            ThrowIfStale(collection, document.Id, expected);
            document.ConcurrencyToken = Guid.NewGuid().ToString();
            if (!collection.Update(document))
            {
                // Unreachable while every writer goes through the gate; kept so a failed write never reports success.
                document.ConcurrencyToken = expected;
                throw Conflict(collection);
            }
        }
    }

    /// <summary>Deletes the document if it is unchanged, then runs <paramref name="cascade"/> under the same lock.</summary>
    public static void Delete<T>(LiteDatabase db, ILiteCollection<T> collection, T document, Action? cascade = null)
        where T : class, IOidcDocument
    {
        lock (WriteGate.For(db))
        {
            ThrowIfStale(collection, document.Id, document.ConcurrencyToken);
            collection.Delete(document.Id);
            cascade?.Invoke();
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to every matching document, giving each a new concurrency token so a
    /// manager holding an older copy (say, redeeming a token being revoked) cannot write over the change.
    /// </summary>
    public static long UpdateMany<T>(LiteDatabase db, ILiteCollection<T> collection, Func<IEnumerable<T>> select, Action<T> change)
        where T : class, IOidcDocument
    {
        lock (WriteGate.For(db))
        {
            var documents = select().ToList();
            foreach (var document in documents)
            {
                change(document);
                document.ConcurrencyToken = Guid.NewGuid().ToString();
            }

            return documents.Count == 0 ? 0 : collection.Update(documents);
        }
    }

    /// <summary>Revokes every authorization or token <paramref name="select"/> returns, as <see cref="UpdateMany{T}"/> does.</summary>
    public static long Revoke<T>(LiteDatabase db, ILiteCollection<T> collection, Func<IEnumerable<T>> select)
        where T : class, IOidcGrant =>
        UpdateMany(db, collection, select, d => d.Status = OpenIddictConstants.Statuses.Revoked);

    /// <summary>
    /// Deletes the documents whose ids <paramref name="select"/> returns; the selection runs under the gate
    /// too, so nothing it looked at (a token, an authorization's status) can change before the deletion.
    /// </summary>
    public static long DeleteMany<T>(LiteDatabase db, ILiteCollection<T> collection, Func<IEnumerable<string>> select)
        where T : class, IOidcDocument
    {
        var deleted = 0L;
        lock (WriteGate.For(db))
        {
            foreach (var batch in select().ToList().Chunk(1_000))
            {
                deleted += collection.DeleteMany(Query.In("_id", batch.Select(id => new BsonValue(id))));
            }
        }

        return deleted;
    }

    /// <summary>Inserts under the gate, so a prune deciding that an authorization has no tokens is not overtaken by one.</summary>
    public static void Insert<T>(LiteDatabase db, ILiteCollection<T> collection, T document)
        where T : class, IOidcDocument
    {
        lock (WriteGate.For(db))
        {
            collection.Insert(document);
        }
    }

    private static void ThrowIfStale<T>(ILiteCollection<T> collection, string id, string? expected)
        where T : class, IOidcDocument
    {
        var stored = collection.FindById(id);
        if (stored is null || !string.Equals(stored.ConcurrencyToken, expected, StringComparison.Ordinal))
        {
            throw Conflict(collection);
        }
    }

    private static OpenIddictExceptions.ConcurrencyException Conflict<T>(ILiteCollection<T> collection) =>
        new($"The document in '{collection.Name}' was changed or removed since it was read. Reload it and retry.");
}
