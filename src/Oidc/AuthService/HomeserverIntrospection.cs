using System.Security.Cryptography;
using Microsoft.AspNetCore;
using System.Text;
using Microsoft.AspNetCore.Http;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using OpenMeet.Oidc.Endpoints;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// Introspection as Synapse's <c>matrix_authentication_service</c> asks for it: Synapse authenticates
/// with the shared secret as a bearer token (not as a client), and reads <c>username</c> (the
/// localpart), <c>scope</c> (the Matrix scopes, in both forms) and <c>expires_in</c>. A token of a
/// person who was revoked or has no handle is not active, whatever its lifetime.
/// </summary>
public static class HomeserverIntrospection
{
    /// <summary>The confidential client Synapse introspects as (its secret is the shared one).</summary>
    public const string ClientId = "synapse-homeserver";

    public static bool SameSecret(string? presented, string expected) =>
        presented is not null && expected.Length > 0
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    /// <summary>Synapse's bearer secret becomes the credentials of <see cref="ClientId"/>; the service's admin token is answered here.</summary>
    public sealed class Credentials(OidcConfig config, HomeserverAdmin? admin = null) : IOpenIddictServerHandler<ExtractIntrospectionRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ExtractIntrospectionRequestContext>()
            .UseSingletonHandler<Credentials>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ExtractBasicAuthenticationCredentials<ExtractIntrospectionRequestContext>.Descriptor.Order + 100)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(ExtractIntrospectionRequestContext context)
        {
            var http = context.Transaction.GetHttpRequest() ?? throw new InvalidOperationException("introspection outside ASP.NET Core");
            var header = http.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                // A client of its own (client_secret_basic or _post), introspecting as OAuth has it.
                return;
            }

            if (!SameSecret(header["Bearer ".Length..].Trim(), config.MatrixAuthService.Secret))
            {
                context.Reject(Errors.InvalidClient, "The homeserver's secret is wrong.");
                return;
            }

            context.Request!.ClientId = ClientId;
            context.Request.ClientSecret = config.MatrixAuthService.Secret;
            if (admin is not null && SameSecret(context.Request.Token, admin.Token))
            {
                // The service's own admin calls (room reads, force joins): Synapse's admin API takes
                // only tokens with its admin scope in this mode, and there is no admin login.
                http.HttpContext.Response.Headers.CacheControl = "no-store";
                await http.HttpContext.Response.WriteAsJsonAsync(new Dictionary<string, object>
                {
                    ["active"] = true,
                    ["username"] = admin.Localpart,
                    ["sub"] = "service:" + admin.Localpart,
                    ["scope"] = string.Join(' ', MatrixScopes.Api, MatrixScopes.UnstableApi, MatrixScopes.Admin,
                        MatrixScopes.DevicePrefix + HomeserverAdmin.DeviceId, MatrixScopes.UnstableDevicePrefix + HomeserverAdmin.DeviceId),
                    ["token_type"] = "Bearer",
                });
                context.HandleRequest();
            }
        }
    }

    /// <summary>What Synapse reads, for the tokens it is shown.</summary>
    public sealed class MatrixFields(IOidcPeople people) : IOpenIddictServerHandler<HandleIntrospectionRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleIntrospectionRequestContext>()
            .UseSingletonHandler<MatrixFields>()
            .SetOrder(OpenIddictServerHandlers.Introspection.AttachApplicationClaims.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(HandleIntrospectionRequestContext context)
        {
            if (context.Request?.ClientId != ClientId)
            {
                return default;
            }

            var principal = context.GenericTokenPrincipal;
            // Synapse is shown access tokens only; anything else it is shown is not one it may accept.
            if (principal?.GetTokenType() != TokenTypeIdentifiers.AccessToken
                || people.Find(principal.GetClaim(Identity.UserKeyClaim) ?? "") is not { Revoked: false, Handle: { } handle })
            {
                context.Reject(Errors.InvalidToken, "The token is not active.");
                return default;
            }

            context.Username = handle;
            context.Subject = principal.GetClaim(Claims.Subject);
            var scopes = MatrixScopes.WithTwins(principal.GetScopes()).ToList();
            context.Scopes.Clear();
            context.Scopes.UnionWith(scopes);
            if (principal.GetExpirationDate() is { } expires)
            {
                // Synapse reads expires_in only: without it, an active answer would never expire there.
                context.Claims["expires_in"] = Math.Max(0, (long)(expires - DateTimeOffset.UtcNow).TotalSeconds);
            }

            return default;
        }
    }
}

/// <summary>The service's Synapse admin token and the admin localpart it stands for (oidc.mode matrix_auth_service).</summary>
public sealed record HomeserverAdmin(string Token, string Localpart)
{
    /// <summary>
    /// The token's device, which the service makes at start: Synapse sends events only for a token with
    /// a device (without one, a send fails there with "Requester must have an access_token_id").
    /// </summary>
    public const string DeviceId = "OPENMEETSERVICE";
}
