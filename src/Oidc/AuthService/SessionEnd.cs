using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenMeet.Oidc.Endpoints;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// A Matrix session ends in Synapse the moment its tokens end here: Synapse keeps an introspection
/// answer for up to two minutes, so a revoked token alone would still work that long. The session's
/// device is deleted in Synapse too, which ends it there at once. Two ways end a session: the app
/// signs out by revoking its token (Synapse has no /logout in this mode), or a used refresh token or
/// code comes again, which OpenIddict answers by revoking the whole chain (a stolen copy, RFC 6749
/// section 10.5; the leeway is zero, <see cref="AuthServiceMode"/>).
/// </summary>
public static class SessionEnd
{
    private static async ValueTask EndAsync(IOidcPeople people, System.Security.Claims.ClaimsPrincipal? principal, CancellationToken ct)
    {
        if (principal?.GetClaim(Identity.UserKeyClaim) is { } userKey && MatrixScopes.DeviceOf(principal.GetScopes()) is { } device)
        {
            await people.EndDeviceAsync(userKey, device, ct);
        }
    }

    public sealed class Revoked(IOidcPeople people) : IOpenIddictServerHandler<HandleRevocationRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseSingletonHandler<Revoked>()
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public ValueTask HandleAsync(HandleRevocationRequestContext context) => EndAsync(people, context.GenericTokenPrincipal, context.CancellationToken);
    }

    /// <summary>
    /// Runs just before OpenIddict's own check of the token's entry, which refuses a redeemed token and
    /// revokes its chain; a chain is one sign-in, so one device.
    /// </summary>
    public sealed class Reused(IOidcPeople people, IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<Reused>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (string.IsNullOrEmpty(context.TokenId) || string.IsNullOrEmpty(context.AuthorizationId)
                || await tokens.FindByIdAsync(context.TokenId, context.CancellationToken) is not { } token
                || !await tokens.HasStatusAsync(token, Statuses.Redeemed, context.CancellationToken))
            {
                return;
            }

            await EndAsync(people, context.Principal, context.CancellationToken);
        }
    }
}
