using System.Collections.Immutable;
using System.Text.Json;
using LiteDB;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenMeet.Oidc.Stores.StoreArguments;

namespace OpenMeet.Oidc.Stores;

/// <summary>
/// OpenIddict's token store on the process's LiteDB database. Updates are compare-and-swap on the
/// concurrency token (<see cref="ConcurrentWrites"/>), which is what makes codes single-use.
/// </summary>
public sealed class OidcTokenStore : IOpenIddictTokenStore<OidcToken>
{
    private readonly LiteDatabase db;
    private readonly ILiteCollection<OidcToken> tokens;

    public OidcTokenStore(LiteDatabase db)
    {
        this.db = db;
        LiteDbMapping.PrepareOidc(db);
        tokens = db.GetCollection<OidcToken>(OidcCollections.Tokens);
        tokens.EnsureIndex(t => t.ReferenceId);
        tokens.EnsureIndex(t => t.Subject);
        tokens.EnsureIndex(t => t.ApplicationId);
        tokens.EnsureIndex(t => t.AuthorizationId);
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(tokens.LongCount());

    // LiteDB has no IQueryable provider: OpenIddict's query delegates run as LINQ to Objects over the whole collection.
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OidcToken>, IQueryable<TResult>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query(tokens.FindAll().AsQueryable()).LongCount());
    }

    public ValueTask CreateAsync(OidcToken token, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Insert(db, tokens, Checked(token));
        return default;
    }

    public ValueTask DeleteAsync(OidcToken token, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Delete(db, tokens, Checked(token));
        return default;
    }

    public IAsyncEnumerable<OidcToken> FindAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        DocumentQueries.Results(DocumentQueries.Matching(tokens, subject, client, status, type), cancellationToken);

    public IAsyncEnumerable<OidcToken> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return DocumentQueries.Results(
            DocumentQueries.Matching(tokens, subject: null, client: identifier, status: null, type: null), cancellationToken);
    }

    public IAsyncEnumerable<OidcToken> FindByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return DocumentQueries.Results(ByAuthorization(identifier), cancellationToken);
    }

    public ValueTask<OidcToken?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(tokens.FindById(identifier));
    }

    public ValueTask<OidcToken?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(tokens.Find(Query.EQ("ReferenceId", identifier)).FirstOrDefault(t => DocumentValues.Same(t.ReferenceId, identifier)));
    }

    public IAsyncEnumerable<OidcToken> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return DocumentQueries.Results(DocumentQueries.Matching(tokens, subject, client: null, status: null, type: null), cancellationToken);
    }

    public ValueTask<string?> GetApplicationIdAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Checked(token).ApplicationId);

    public ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<OidcToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query(tokens.FindAll().AsQueryable(), state).FirstOrDefault());
    }

    public ValueTask<string?> GetAuthorizationIdAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Checked(token).AuthorizationId);

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(token).CreationDate));

    public ValueTask<DateTimeOffset?> GetExpirationDateAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(token).ExpirationDate));

    public ValueTask<string?> GetIdAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Checked(token).Id);

    public ValueTask<string?> GetPayloadAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Checked(token).Payload);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(DocumentJson.ReadProperties(Checked(token).Properties));

    public ValueTask<DateTimeOffset?> GetRedemptionDateAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(token).RedemptionDate));

    public ValueTask<string?> GetReferenceIdAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Checked(token).ReferenceId);

    public ValueTask<string?> GetStatusAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Checked(token).Status);

    public ValueTask<string?> GetSubjectAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Checked(token).Subject);

    public ValueTask<string?> GetTypeAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Checked(token).Type);

    public ValueTask<OidcToken> InstantiateAsync(CancellationToken cancellationToken) => new(new OidcToken());

    public IAsyncEnumerable<OidcToken> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        DocumentQueries.Results(DocumentQueries.Page(tokens, count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<OidcToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return DocumentQueries.Results(query(tokens.FindAll().AsQueryable(), state), cancellationToken);
    }

    /// <summary>
    /// Removes tokens created before <paramref name="threshold"/> that can no longer be used: redeemed,
    /// revoked or rejected, expired, or belonging to an authorization that is no longer valid (what
    /// OpenIddict's own stores prune).
    /// </summary>
    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        var before = threshold.UtcDateTime;
        var authorizations = db.GetCollection<OidcAuthorization>(OidcCollections.Authorizations);
        return new(ConcurrentWrites.DeleteMany(db, tokens, () =>
        {
            var now = DateTime.UtcNow;

            // Looked up once per authorization: many tokens usually share one.
            var invalidAuthorization = new Dictionary<string, bool>(StringComparer.Ordinal);
            bool AuthorizationInvalid(string? id) =>
                id is not null && (invalidAuthorization.TryGetValue(id, out var invalid) ? invalid :
                    invalidAuthorization[id] = authorizations.FindById(id) is { } found && !DocumentValues.Same(found.Status, Statuses.Valid));

            return tokens.Find(Query.LT("CreationDate", before))
                .ToList()
                // LiteDB sorts null below every date, so a missing creation date also matched the query.
                .Where(t => t.CreationDate is not null)
                .Where(t => (!DocumentValues.Same(t.Status, Statuses.Inactive) && !DocumentValues.Same(t.Status, Statuses.Valid)) ||
                            (t.ExpirationDate is { } expires && expires.ToUniversalTime() < now) ||
                            AuthorizationInvalid(t.AuthorizationId))
                .Select(t => t.Id);
        }));
    }

    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        new(ConcurrentWrites.Revoke(db, tokens,
            () => DocumentQueries.Matching(tokens, subject, client, status, type)));

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(ConcurrentWrites.Revoke(db, tokens,
            () => DocumentQueries.Matching(tokens, subject: null, client: identifier, status: null, type: null)));
    }

    public ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(ConcurrentWrites.Revoke(db, tokens, () => ByAuthorization(identifier)));
    }

    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return new(ConcurrentWrites.Revoke(db, tokens,
            () => DocumentQueries.Matching(tokens, subject, client: null, status: null, type: null)));
    }

    public ValueTask SetApplicationIdAsync(OidcToken token, string? identifier, CancellationToken cancellationToken)
    {
        Checked(token).ApplicationId = identifier;
        return default;
    }

    public ValueTask SetAuthorizationIdAsync(OidcToken token, string? identifier, CancellationToken cancellationToken)
    {
        Checked(token).AuthorizationId = identifier;
        return default;
    }

    public ValueTask SetCreationDateAsync(OidcToken token, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Checked(token).CreationDate = DocumentValues.ToDocument(date);
        return default;
    }

    public ValueTask SetExpirationDateAsync(OidcToken token, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Checked(token).ExpirationDate = DocumentValues.ToDocument(date);
        return default;
    }

    public ValueTask SetPayloadAsync(OidcToken token, string? payload, CancellationToken cancellationToken)
    {
        Checked(token).Payload = payload;
        return default;
    }

    public ValueTask SetPropertiesAsync(OidcToken token, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Checked(token).Properties = DocumentJson.WriteProperties(properties);
        return default;
    }

    public ValueTask SetRedemptionDateAsync(OidcToken token, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Checked(token).RedemptionDate = DocumentValues.ToDocument(date);
        return default;
    }

    public ValueTask SetReferenceIdAsync(OidcToken token, string? identifier, CancellationToken cancellationToken)
    {
        Checked(token).ReferenceId = identifier;
        return default;
    }

    public ValueTask SetStatusAsync(OidcToken token, string? status, CancellationToken cancellationToken)
    {
        Checked(token).Status = status;
        return default;
    }

    public ValueTask SetSubjectAsync(OidcToken token, string? subject, CancellationToken cancellationToken)
    {
        Checked(token).Subject = subject;
        return default;
    }

    public ValueTask SetTypeAsync(OidcToken token, string? type, CancellationToken cancellationToken)
    {
        Checked(token).Type = type;
        return default;
    }

    public ValueTask UpdateAsync(OidcToken token, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Update(db, tokens, Checked(token));
        return default;
    }

    private IEnumerable<OidcToken> ByAuthorization(string identifier) =>
        tokens.Find(Query.EQ("AuthorizationId", identifier)).Where(t => DocumentValues.Same(t.AuthorizationId, identifier));
}
