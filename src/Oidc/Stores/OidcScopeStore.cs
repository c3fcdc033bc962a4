using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using LiteDB;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;
using static OpenMeet.Oidc.Stores.StoreArguments;

namespace OpenMeet.Oidc.Stores;

/// <summary>OpenIddict's scope store on the process's LiteDB database.</summary>
public sealed class OidcScopeStore : IOpenIddictScopeStore<OidcScope>
{
    private readonly LiteDatabase db;
    private readonly ILiteCollection<OidcScope> scopes;

    public OidcScopeStore(LiteDatabase db)
    {
        this.db = db;
        LiteDbMapping.PrepareOidc(db);
        scopes = db.GetCollection<OidcScope>(OidcCollections.Scopes);
        scopes.EnsureIndex(s => s.Name, unique: true);
        scopes.EnsureIndex("Resources", "$.Resources[*]", unique: false);
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(scopes.LongCount());

    // LiteDB has no IQueryable provider: OpenIddict's query delegates run as LINQ to Objects over the whole collection.
    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OidcScope>, IQueryable<TResult>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query(scopes.FindAll().AsQueryable()).LongCount());
    }

    public ValueTask CreateAsync(OidcScope scope, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Insert(db, scopes, Checked(scope));
        return default;
    }

    public ValueTask DeleteAsync(OidcScope scope, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Delete(db, scopes, Checked(scope));
        return default;
    }

    public ValueTask<OidcScope?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return new(scopes.FindById(identifier));
    }

    public ValueTask<OidcScope?> FindByNameAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(scopes.Find(Query.EQ("Name", name)).FirstOrDefault(s => DocumentValues.Same(s.Name, name)));
    }

    public IAsyncEnumerable<OidcScope> FindByNamesAsync(ImmutableArray<string> names, CancellationToken cancellationToken)
    {
        if (names.IsDefaultOrEmpty)
        {
            return DocumentQueries.Results(Enumerable.Empty<OidcScope>(), cancellationToken);
        }

        return DocumentQueries.Results(
            scopes.Find(Query.In("Name", names.Select(name => new BsonValue(name))))
                .Where(s => names.Contains(s.Name!, StringComparer.Ordinal)),
            cancellationToken);
    }

    public IAsyncEnumerable<OidcScope> FindByResourceAsync(string resource, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        return DocumentQueries.Results(
            scopes.Find(Query.Any().EQ("$.Resources[*]", resource))
                .Where(s => s.Resources.Contains(resource, StringComparer.Ordinal)),
            cancellationToken);
    }

    public ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<OidcScope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new(query(scopes.FindAll().AsQueryable(), state).FirstOrDefault());
    }

    public ValueTask<string?> GetDescriptionAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(Checked(scope).Description);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDescriptionsAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(DocumentJson.ReadLocalized(Checked(scope).Descriptions));

    public ValueTask<string?> GetDisplayNameAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(Checked(scope).DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(DocumentJson.ReadLocalized(Checked(scope).DisplayNames));

    public ValueTask<string?> GetIdAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(Checked(scope).Id);

    public ValueTask<string?> GetNameAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(Checked(scope).Name);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(DocumentJson.ReadProperties(Checked(scope).Properties));

    public ValueTask<ImmutableArray<string>> GetResourcesAsync(OidcScope scope, CancellationToken cancellationToken) =>
        new(DocumentValues.FromDocument(Checked(scope).Resources));

    public ValueTask<OidcScope> InstantiateAsync(CancellationToken cancellationToken) => new(new OidcScope());

    public IAsyncEnumerable<OidcScope> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        DocumentQueries.Results(DocumentQueries.Page(scopes, count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<OidcScope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return DocumentQueries.Results(query(scopes.FindAll().AsQueryable(), state), cancellationToken);
    }

    public ValueTask SetDescriptionAsync(OidcScope scope, string? description, CancellationToken cancellationToken)
    {
        Checked(scope).Description = description;
        return default;
    }

    public ValueTask SetDescriptionsAsync(OidcScope scope, ImmutableDictionary<CultureInfo, string> descriptions, CancellationToken cancellationToken)
    {
        Checked(scope).Descriptions = DocumentJson.WriteLocalized(descriptions);
        return default;
    }

    public ValueTask SetDisplayNameAsync(OidcScope scope, string? name, CancellationToken cancellationToken)
    {
        Checked(scope).DisplayName = name;
        return default;
    }

    public ValueTask SetDisplayNamesAsync(OidcScope scope, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken)
    {
        Checked(scope).DisplayNames = DocumentJson.WriteLocalized(names);
        return default;
    }

    public ValueTask SetNameAsync(OidcScope scope, string? name, CancellationToken cancellationToken)
    {
        Checked(scope).Name = name;
        return default;
    }

    public ValueTask SetPropertiesAsync(OidcScope scope, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Checked(scope).Properties = DocumentJson.WriteProperties(properties);
        return default;
    }

    public ValueTask SetResourcesAsync(OidcScope scope, ImmutableArray<string> resources, CancellationToken cancellationToken)
    {
        Checked(scope).Resources = DocumentValues.ToDocument(resources);
        return default;
    }

    public ValueTask UpdateAsync(OidcScope scope, CancellationToken cancellationToken)
    {
        ConcurrentWrites.Update(db, scopes, Checked(scope));
        return default;
    }
}
