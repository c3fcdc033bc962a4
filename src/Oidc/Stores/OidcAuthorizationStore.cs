using System.Collections.Immutable;
using System.Text.Json;
using LiteDB;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenMeet.Oidc.Stores.StoreArguments;

namespace OpenMeet.Oidc.Stores;

/// <summary>OpenIddict's authorization store on the process's LiteDB database.</summary>
public sealed class OidcAuthorizationStore : IOpenIddictAuthorizationStore<OidcAuthorization>
{
    private readonly LiteDatabase db;
    private readonly ILiteCollection<OidcAuthorization> authorizations;

    public OidcAuthorizationStore(LiteDatabase db)
    {
        this.db = db;
        LiteDbMapping.PrepareOidc(db);
        authorizations = db.GetCollection<OidcAuthorization>(OidcCollections.Authorizations);
        authorizations.EnsureIndex(a => a.Subject);
        authorizations.EnsureIndex(a => a.ApplicationId);
    }

    private ILiteCollection<OidcToken> Tokens => db.GetCollection<OidcToken>(OidcCollections.Tokens);

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(authorizations.LongCount());

    // LiteDB has no IQueryable provider: OpenIddict's query delegates run as LINQ to Objects over the whole collection.
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OidcAuthorization>, IQueryable<TResult>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query(authorizations.FindAll().AsQueryable()).LongCount());
    }

    public ValueTask CreateAsync(OidcAuthorization authorization, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Insert(db, authorizations, Checked(authorization));
        return default;
    }

    public ValueTask DeleteAsync(OidcAuthorization authorization, CancellationToken cancellationToken)
    {
        // An authorization's tokens go with it, as in OpenIddict's own stores.
        ConcurrentWrites.Delete(db, authorizations, Checked(authorization),
            () => Tokens.DeleteMany(Query.EQ("AuthorizationId", authorization.Id)));
        return default;
    }

    public IAsyncEnumerable<OidcAuthorization> FindAsync(
        string? subject, string? client, string? status, string? type, ImmutableArray<string>? scopes, CancellationToken cancellationToken) =>
        DocumentQueries.Results(
            DocumentQueries.Matching(authorizations, subject, client, status, type).Where(a => HasScopes(a, scopes)), cancellationToken);

    public IAsyncEnumerable<OidcAuthorization> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return DocumentQueries.Results(
            DocumentQueries.Matching(authorizations, subject: null, client: identifier, status: null, type: null), cancellationToken);
    }

    public ValueTask<OidcAuthorization?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(authorizations.FindById(identifier));
    }

    public IAsyncEnumerable<OidcAuthorization> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return DocumentQueries.Results(DocumentQueries.Matching(authorizations, subject, client: null, status: null, type: null), cancellationToken);
    }

    public ValueTask<string?> GetApplicationIdAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(Checked(authorization).ApplicationId);

    public ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<OidcAuthorization>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query(authorizations.FindAll().AsQueryable(), state).FirstOrDefault());
    }

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(authorization).CreationDate));

    public ValueTask<string?> GetIdAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(Checked(authorization).Id);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(DocumentJson.ReadProperties(Checked(authorization).Properties));

    public ValueTask<ImmutableArray<string>> GetScopesAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(authorization).Scopes));

    public ValueTask<string?> GetStatusAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(Checked(authorization).Status);

    public ValueTask<string?> GetSubjectAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(Checked(authorization).Subject);

    public ValueTask<string?> GetTypeAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(Checked(authorization).Type);

    public ValueTask<OidcAuthorization> InstantiateAsync(CancellationToken cancellationToken) => new(new OidcAuthorization());

    public IAsyncEnumerable<OidcAuthorization> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        DocumentQueries.Results(DocumentQueries.Page(authorizations, count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<OidcAuthorization>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return DocumentQueries.Results(query(authorizations.FindAll().AsQueryable(), state), cancellationToken);
    }

    /// <summary>
    /// Removes authorizations created before <paramref name="threshold"/> that are no longer valid, and
    /// ad-hoc ones no token refers to any more (what OpenIddict's own stores prune).
    /// </summary>
    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        var before = threshold.UtcDateTime;
        var tokens = Tokens;
        return new(ConcurrentWrites.DeleteMany(db, authorizations, () =>
            authorizations.Find(Query.LT("CreationDate", before))
                .ToList()
                // LiteDB sorts null below every date, so a missing creation date also matched the query.
                .Where(a => a.CreationDate is not null)
                .Where(a => !DocumentValues.Same(a.Status, Statuses.Valid) ||
                            (DocumentValues.Same(a.Type, AuthorizationTypes.AdHoc) && !tokens.Exists(Query.EQ("AuthorizationId", a.Id))))
                .Select(a => a.Id)));
    }

    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        new(ConcurrentWrites.Revoke(db, authorizations,
            () => DocumentQueries.Matching(authorizations, subject, client, status, type)));

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(ConcurrentWrites.Revoke(db, authorizations,
            () => DocumentQueries.Matching(authorizations, subject: null, client: identifier, status: null, type: null)));
    }

    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return new(ConcurrentWrites.Revoke(db, authorizations,
            () => DocumentQueries.Matching(authorizations, subject, client: null, status: null, type: null)));
    }

    public ValueTask SetApplicationIdAsync(OidcAuthorization authorization, string? identifier, CancellationToken cancellationToken)
    {
        Checked(authorization).ApplicationId = identifier;
        return default;
    }

    public ValueTask SetCreationDateAsync(OidcAuthorization authorization, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Checked(authorization).CreationDate = DocumentValues.ToDocument(date);
        return default;
    }

    public ValueTask SetPropertiesAsync(OidcAuthorization authorization, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Checked(authorization).Properties = DocumentJson.WriteProperties(properties);
        return default;
    }

    public ValueTask SetScopesAsync(OidcAuthorization authorization, ImmutableArray<string> scopes, CancellationToken cancellationToken)
    {
        Checked(authorization).Scopes = DocumentValues.ToDocument(scopes);
        return default;
    }

    public ValueTask SetStatusAsync(OidcAuthorization authorization, string? status, CancellationToken cancellationToken)
    {
        Checked(authorization).Status = status;
        return default;
    }

    public ValueTask SetSubjectAsync(OidcAuthorization authorization, string? subject, CancellationToken cancellationToken)
    {
        Checked(authorization).Subject = subject;
        return default;
    }

    public ValueTask SetTypeAsync(OidcAuthorization authorization, string? type, CancellationToken cancellationToken)
    {
        Checked(authorization).Type = type;
        return default;
    }

    public ValueTask UpdateAsync(OidcAuthorization authorization, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Update(db, authorizations, Checked(authorization));
        return default;
    }

    private static bool HasScopes(OidcAuthorization authorization, ImmutableArray<string>? scopes) =>
        scopes is not { IsDefault: false } wanted || wanted.All(scope => authorization.Scopes.Contains(scope, StringComparer.Ordinal));
}
