using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// <c>oidc.mode: matrix_auth_service</c>: the issuer as Synapse's <c>matrix_authentication_service</c>
/// (next-generation Matrix auth, MSC3861 and its successors). On top of the SSO issuer: introspection
/// for Synapse, revocation, the Matrix scopes, and the discovery fields Synapse and Matrix clients need.
/// </summary>
public static class AuthServiceMode
{
    /// <summary>Short: Synapse asks us about a token at most every 2 minutes, and clients refresh.</summary>
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(5);

    public static void Configure(OpenIddictServerBuilder o, Func<string, Uri> at, string issuer)
    {
        o.SetIntrospectionEndpointUris(at("oauth2/introspect"))
            .SetRevocationEndpointUris(at("oauth2/revoke"));
        o.RegisterScopes(MatrixScopes.Api, MatrixScopes.UnstableApi);
        // A device scope names a device of the client's choosing: no list of scopes holds them all, so
        // OpenIddict's scope checks step aside for MatrixScopes' policy.
        o.DisableScopeValidation().IgnoreScopePermissions();
        o.SetAccessTokenLifetime(AccessTokenLifetime);
        // A refresh token works once: used again, it is refused and its whole chain revoked (a stolen copy).
        o.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
        o.AllowCustomFlow(CredentialGrant.Type);
        o.AddEventHandler(HomeserverIntrospection.Credentials.Descriptor);
        o.AddEventHandler(HomeserverIntrospection.MatrixFields.Descriptor);
        o.AddEventHandler(ScopePolicy.Descriptor);
        o.AddEventHandler(SessionEnd.Revoked.Descriptor);
        o.AddEventHandler(SessionEnd.Reused.Descriptor);
        o.AddEventHandler<HandleConfigurationRequestContext>(b => b.UseInlineHandler(context =>
        {
            // Synapse refuses metadata without an account management URI; Matrix clients link to it.
            context.Metadata["account_management_uri"] = $"{issuer}/account";
            context.Metadata["registration_endpoint"] = $"{issuer}/oauth2/register";
            context.Metadata["account_management_actions_supported"] = new OpenIddictParameter([.. AccountPage.Actions]);
            // Matrix apps register as public clients, which authenticate at the token endpoint with none.
            context.TokenEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.None);
            context.RevocationEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.None);
            context.Metadata["prompt_values_supported"] = new OpenIddictParameter([PromptValues.Login, PromptValues.None]);
            context.Metadata.Remove("backchannel_logout_supported");
            context.Metadata.Remove("backchannel_logout_session_supported");
            return default;
        }));
    }

    /// <summary>
    /// A person's principal for a Matrix client: a refresh token comes with the API scope (Matrix clients
    /// do not ask for offline_access, and refresh all the same), and the access token carries the
    /// person's key, so introspection answers from the person as they are now.
    /// </summary>
    public static System.Security.Claims.ClaimsPrincipal ForMatrix(System.Security.Claims.ClaimsPrincipal principal)
    {
        var scopes = principal.GetScopes();
        if (MatrixScopes.HasApi(scopes) && !scopes.Contains(Scopes.OfflineAccess))
        {
            principal.SetScopes([.. scopes, Scopes.OfflineAccess]);
        }

        principal.FindFirst(Endpoints.Identity.UserKeyClaim)?.SetDestinations(Destinations.AccessToken);
        return principal;
    }

    /// <summary>The Matrix scopes' policy (<see cref="MatrixScopes.Problem"/>) on every authorization request.</summary>
    public sealed class ScopePolicy : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
            .UseSingletonHandler<ScopePolicy>()
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidateScopes.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            if (MatrixScopes.Problem([.. context.Request.GetScopes()]) is { } problem)
            {
                context.Reject(Errors.InvalidScope, problem);
            }

            return default;
        }
    }
}
