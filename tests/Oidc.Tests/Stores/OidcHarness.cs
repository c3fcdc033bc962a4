using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Stores;

namespace OpenMeet.Oidc.Tests.Stores;

/// <summary>
/// OpenIddict's real managers over the LiteDB stores, on an in-memory database. Each <see cref="Request"/>
/// is its own DI scope, like an HTTP request: OpenIddict's managers and entity caches are scoped.
/// </summary>
public sealed class OidcHarness : IAsyncDisposable
{
    private readonly ServiceProvider provider;

    public OidcHarness()
    {
        Database = new LiteDatabase(new MemoryStream());
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Database);
        services.AddOpenIddict().AddCore(options => options.UseLiteDb());
        provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public LiteDatabase Database { get; }

    public IServiceProvider Services => provider;

    public Request NewRequest() => new(provider.CreateAsyncScope());

    public async ValueTask DisposeAsync()
    {
        await provider.DisposeAsync();
        Database.Dispose();
    }

    public sealed class Request(AsyncServiceScope scope) : IAsyncDisposable
    {
        public IOpenIddictApplicationManager Applications => scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        public IOpenIddictAuthorizationManager Authorizations => scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        public IOpenIddictScopeManager Scopes => scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        public IOpenIddictTokenManager Tokens => scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();

        public ValueTask DisposeAsync() => scope.DisposeAsync();
    }
}
