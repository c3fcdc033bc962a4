using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using LiteDB;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;
using static OpenMeet.Oidc.Stores.StoreArguments;

namespace OpenMeet.Oidc.Stores;

/// <summary>OpenIddict's application store on the process's LiteDB database.</summary>
public sealed class OidcApplicationStore : IOpenIddictApplicationStore<OidcApplication>
{
    private readonly LiteDatabase db;
    private readonly ILiteCollection<OidcApplication> applications;

    public OidcApplicationStore(LiteDatabase db)
    {
        this.db = db;
        LiteDbMapping.PrepareOidc(db);
        applications = db.GetCollection<OidcApplication>(OidcCollections.Applications);
        applications.EnsureIndex(a => a.ClientId, unique: true);
        applications.EnsureIndex("RedirectUris", "$.RedirectUris[*]", unique: false);
        applications.EnsureIndex("PostLogoutRedirectUris", "$.PostLogoutRedirectUris[*]", unique: false);
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(applications.LongCount());

    // LiteDB has no IQueryable provider: OpenIddict's query delegates run as LINQ to Objects over the whole
    // collection. Fine for a handful of clients; the managers only use these for admin-style queries.
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OidcApplication>, IQueryable<TResult>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query(applications.FindAll().AsQueryable()).LongCount());
    }

    public ValueTask CreateAsync(OidcApplication application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        ConcurrentWrites.Insert(db, applications, application);
        return default;
    }

    public ValueTask DeleteAsync(OidcApplication application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);

        // Like the other OpenIddict stores: an application's grants and tokens go with it.
        ConcurrentWrites.Delete(db, applications, application, () =>
        {
            db.GetCollection<OidcAuthorization>(OidcCollections.Authorizations).DeleteMany(Query.EQ("ApplicationId", application.Id));
            db.GetCollection<OidcToken>(OidcCollections.Tokens).DeleteMany(Query.EQ("ApplicationId", application.Id));
        });
        return default;
    }

    public ValueTask<OidcApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(applications.FindById(identifier));
    }

    public ValueTask<OidcApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(applications.Find(Query.EQ("ClientId", identifier)).FirstOrDefault(a => DocumentValues.Same(a.ClientId, identifier)));
    }

    public IAsyncEnumerable<OidcApplication> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        return DocumentQueries.Results(
            applications.Find(Query.Any().EQ("$.PostLogoutRedirectUris[*]", uri))
                .Where(a => a.PostLogoutRedirectUris.Contains(uri, StringComparer.Ordinal)),
            cancellationToken);
    }

    public IAsyncEnumerable<OidcApplication> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        return DocumentQueries.Results(
            applications.Find(Query.Any().EQ("$.RedirectUris[*]", uri))
                .Where(a => a.RedirectUris.Contains(uri, StringComparer.Ordinal)),
            cancellationToken);
    }

    public ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<OidcApplication>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query(applications.FindAll().AsQueryable(), state).FirstOrDefault());
    }

    public ValueTask<string?> GetApplicationTypeAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Checked(application).ApplicationType);

    public ValueTask<string?> GetClientIdAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Checked(application).ClientId);

    public ValueTask<string?> GetClientSecretAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Checked(application).ClientSecret);

    public ValueTask<string?> GetClientTypeAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Checked(application).ClientType);

    public ValueTask<string?> GetConsentTypeAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Checked(application).ConsentType);

    public ValueTask<string?> GetDisplayNameAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Checked(application).DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(DocumentJson.ReadLocalized(Checked(application).DisplayNames));

    public ValueTask<string?> GetIdAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Checked(application).Id);

    public ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Checked(application).JsonWebKeySet is { Length: > 0 } json ? JsonWebKeySet.Create(json) : null);

    public ValueTask<ImmutableArray<string>> GetPermissionsAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(application).Permissions));

    public ValueTask<ImmutableArray<string>> GetPostLogoutRedirectUrisAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(application).PostLogoutRedirectUris));

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(DocumentJson.ReadProperties(Checked(application).Properties));

    public ValueTask<ImmutableArray<string>> GetRedirectUrisAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(application).RedirectUris));

    public ValueTask<ImmutableArray<string>> GetRequirementsAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(application).Requirements));

    public ValueTask<ImmutableDictionary<string, string>> GetSettingsAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(DocumentJson.ReadStrings(Checked(application).Settings));

    public ValueTask<OidcApplication> InstantiateAsync(CancellationToken cancellationToken) => new(new OidcApplication());

    public IAsyncEnumerable<OidcApplication> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        DocumentQueries.Results(DocumentQueries.Page(applications, count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<OidcApplication>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return DocumentQueries.Results(query(applications.FindAll().AsQueryable(), state), cancellationToken);
    }

    public ValueTask SetApplicationTypeAsync(OidcApplication application, string? type, CancellationToken cancellationToken)
    {
        Checked(application).ApplicationType = type;
        return default;
    }

    public ValueTask SetClientIdAsync(OidcApplication application, string? identifier, CancellationToken cancellationToken)
    {
        Checked(application).ClientId = identifier;
        return default;
    }

    public ValueTask SetClientSecretAsync(OidcApplication application, string? secret, CancellationToken cancellationToken)
    {
        Checked(application).ClientSecret = secret;
        return default;
    }

    public ValueTask SetClientTypeAsync(OidcApplication application, string? type, CancellationToken cancellationToken)
    {
        Checked(application).ClientType = type;
        return default;
    }

    public ValueTask SetConsentTypeAsync(OidcApplication application, string? type, CancellationToken cancellationToken)
    {
        Checked(application).ConsentType = type;
        return default;
    }

    public ValueTask SetDisplayNameAsync(OidcApplication application, string? name, CancellationToken cancellationToken)
    {
        Checked(application).DisplayName = name;
        return default;
    }

    public ValueTask SetDisplayNamesAsync(OidcApplication application, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken)
    {
        Checked(application).DisplayNames = DocumentJson.WriteLocalized(names);
        return default;
    }

    public ValueTask SetJsonWebKeySetAsync(OidcApplication application, JsonWebKeySet? set, CancellationToken cancellationToken)
    {
        // JsonWebKey carries System.Text.Json property names, so this writes standard JWKS JSON that
        // JsonWebKeySet.Create reads back.
        Checked(application).JsonWebKeySet = set is null ? null : System.Text.Json.JsonSerializer.Serialize(set);
        return default;
    }

    public ValueTask SetPermissionsAsync(OidcApplication application, ImmutableArray<string> permissions, CancellationToken cancellationToken)
    {
        Checked(application).Permissions = DocumentValues.ToDocument(permissions);
        return default;
    }

    public ValueTask SetPostLogoutRedirectUrisAsync(OidcApplication application, ImmutableArray<string> uris, CancellationToken cancellationToken)
    {
        Checked(application).PostLogoutRedirectUris = DocumentValues.ToDocument(uris);
        return default;
    }

    public ValueTask SetPropertiesAsync(OidcApplication application, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Checked(application).Properties = DocumentJson.WriteProperties(properties);
        return default;
    }

    public ValueTask SetRedirectUrisAsync(OidcApplication application, ImmutableArray<string> uris, CancellationToken cancellationToken)
    {
        Checked(application).RedirectUris = DocumentValues.ToDocument(uris);
        return default;
    }

    public ValueTask SetRequirementsAsync(OidcApplication application, ImmutableArray<string> requirements, CancellationToken cancellationToken)
    {
        Checked(application).Requirements = DocumentValues.ToDocument(requirements);
        return default;
    }

    public ValueTask SetSettingsAsync(OidcApplication application, ImmutableDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        Checked(application).Settings = DocumentJson.WriteStrings(settings);
        return default;
    }

    public ValueTask UpdateAsync(OidcApplication application, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Update(db, applications, Checked(application));
        return default;
    }
}
