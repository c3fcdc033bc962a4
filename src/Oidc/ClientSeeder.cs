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
            await SeedAuthServiceAsync(manager, cancellationToken);
        }
        else
        {
            // Back in SSO mode: nobody introspects, and the web client's sessions come from Synapse.
            foreach (var clientId in new[] { HomeserverIntrospection.ClientId, CredentialGrant.WebClientId })
            {
                if (await manager.FindByClientIdAsync(clientId, cancellationToken) is { } stale)
                {
                    await manager.DeleteAsync(stale, cancellationToken);
                }
            }
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

            await SaveAsync(manager, descriptor, cancellationToken);
        }
    }

    /// <summary>The client Synapse introspects as in oidc.mode matrix_auth_service: the shared secret, introspection only.</summary>
    private async Task SeedAuthServiceAsync(IOpenIddictApplicationManager manager, CancellationToken ct)
    {
        await SaveAsync(manager, new OpenIddictApplicationDescriptor
        {
            ClientId = HomeserverIntrospection.ClientId,
            ClientSecret = config.MatrixAuthService.Secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Synapse",
            Permissions = { Permissions.Endpoints.Introspection },
        }, ct);
        // OpenMeet's web client: its sessions come from the credential API, it refreshes and revokes them itself.
        await SaveAsync(manager, new OpenIddictApplicationDescriptor
        {
            ClientId = CredentialGrant.WebClientId,
            ClientType = ClientTypes.Public,
            DisplayName = "OpenMeet",
            Permissions =
            {
                Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.RefreshToken, Permissions.Prefixes.GrantType + CredentialGrant.Type,
            },
        }, ct);
    }

    private static async Task SaveAsync(IOpenIddictApplicationManager manager, OpenIddictApplicationDescriptor descriptor, CancellationToken ct)
    {
        if (await manager.FindByClientIdAsync(descriptor.ClientId!, ct) is { } existing)
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
