using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.AuthService;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc;

/// <summary>Makes the application store match the configured clients at every start (idempotent).</summary>
public sealed class ClientSeeder(IServiceProvider services, OidcConfig config) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        if (config.IsAuthService)
        {
            await SeedHomeserverAsync(manager, cancellationToken);
        }
        else if (await manager.FindByClientIdAsync(HomeserverIntrospection.ClientId, cancellationToken) is { } stale)
        {
            // Back in SSO mode: nobody introspects any more.
            await manager.DeleteAsync(stale, cancellationToken);
        }

        foreach (var client in config.Clients)
        {
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = client.ClientId,
                ClientSecret = client.ClientSecret,
                ClientType = ClientTypes.Confidential,
                ConsentType = ConsentTypes.Implicit,
                DisplayName = client.ClientId,
                Permissions =
                {
                    Permissions.Endpoints.Authorization,
                    Permissions.Endpoints.Token,
                    Permissions.Endpoints.EndSession,
                    Permissions.GrantTypes.AuthorizationCode,
                    Permissions.GrantTypes.RefreshToken,
                    Permissions.ResponseTypes.Code,
                    Permissions.Scopes.Profile,
                    Permissions.Scopes.Email,
                    Permissions.Prefixes.Scope + Scopes.OfflineAccess,
                    Permissions.Prefixes.Scope + OidcIssuer.TenantScope,
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            };
            foreach (var uri in client.RedirectUris)
            {
                descriptor.RedirectUris.Add(new Uri(uri));
            }

            foreach (var uri in client.PostLogoutRedirectUris)
            {
                descriptor.PostLogoutRedirectUris.Add(new Uri(uri));
            }

            if (await manager.FindByClientIdAsync(client.ClientId, cancellationToken) is { } existing)
            {
                await manager.UpdateAsync(existing, descriptor, cancellationToken);
            }
            else
            {
                await manager.CreateAsync(descriptor, cancellationToken);
            }
        }
    }

    /// <summary>The client Synapse introspects as in oidc.mode matrix_auth_service: the shared secret, introspection only.</summary>
    private async Task SeedHomeserverAsync(IOpenIddictApplicationManager manager, CancellationToken ct)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = HomeserverIntrospection.ClientId,
            ClientSecret = config.MatrixAuthService.Secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Synapse",
            Permissions = { Permissions.Endpoints.Introspection },
        };
        if (await manager.FindByClientIdAsync(descriptor.ClientId, ct) is { } existing)
        {
            await manager.UpdateAsync(existing, descriptor, ct);
        }
        else
        {
            await manager.CreateAsync(descriptor, ct);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
