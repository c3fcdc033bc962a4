using LiteDB;
using OpenMeet.Oidc.Models;

namespace OpenMeet.Oidc.Stores;

/// <summary>Small helpers for the stores' LiteDB queries and their results.</summary>
internal static class DocumentQueries
{
    /// <summary>An AND of equality tests on the fields whose wanted value is not null; null when nothing is filtered.</summary>
    public static BsonExpression? Match(params (string Field, string? Value)[] filters)
    {
        var parts = filters.Where(filter => filter.Value is not null).Select(filter => Query.EQ(filter.Field, filter.Value)).ToArray();
        return parts.Length switch
        {
            0 => null,
            1 => parts[0],
            _ => Query.And(parts),
        };
    }

    /// <summary>The authorizations or tokens whose given fields (those not null) are exactly the wanted values.</summary>
    public static IEnumerable<T> Matching<T>(ILiteCollection<T> collection, string? subject, string? client, string? status, string? type)
        where T : IOidcGrant
    {
        var query = Match(("Subject", subject), ("ApplicationId", client), ("Status", status), ("Type", type));
        return (query is null ? collection.FindAll() : collection.Find(query))
            .Where(d => Matches(d.Subject, subject) &&
                        Matches(d.ApplicationId, client) &&
                        Matches(d.Status, status) &&
                        Matches(d.Type, type));
    }

    /// <summary>True when no value is wanted, or the stored value is exactly (ordinally) the wanted one.</summary>
    public static bool Matches(string? stored, string? wanted) => wanted is null || DocumentValues.Same(stored, wanted);

    /// <summary>
    /// LiteDB is synchronous: the query runs now and its results are materialized, so no LiteDB cursor
    /// (and the read lock behind it) stays open while the caller awaits between items.
    /// </summary>
    public static IAsyncEnumerable<T> Results<T>(IEnumerable<T> source, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return source.ToList().ToAsyncEnumerable();
    }

    /// <summary>A page of the collection in id order (LiteDB has no IQueryable provider to hand OpenIddict).</summary>
    public static IEnumerable<T> Page<T>(ILiteCollection<T> collection, int? count, int? offset) =>
        collection.Find(Query.All("_id"), offset ?? 0, count ?? int.MaxValue);
}
