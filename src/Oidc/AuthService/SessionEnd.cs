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
    private static Task EndAsync(MatrixSessions sessions, System.Security.Claims.ClaimsPrincipal? principal, CancellationToken ct) =>
        principal?.GetClaim(Claims.Subject) is { } subject && principal.GetClaim(Identity.UserKeyClaim) is { } userKey
            && MatrixScopes.DeviceOf(principal.GetScopes()) is { } device
            ? sessions.EndAsync(subject, userKey, device, ct)
            : Task.CompletedTask;

    /// <summary>Signing out ends the whole session, whichever of its tokens the app revoked (RFC 7009 section 2.1 allows it).</summary>
    public sealed class Revoked(MatrixSessions sessions) : IOpenIddictServerHandler<HandleRevocationRequestContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseScopedHandler<Revoked>()
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(HandleRevocationRequestContext context) =>
            await EndAsync(sessions, context.GenericTokenPrincipal, context.CancellationToken);
    }

    /// <summary>
    /// Runs just before OpenIddict's own check of the token's entry, which refuses a redeemed token and
    /// revokes its chain; a chain is one sign-in, so one device.
    /// </summary>
    public sealed class Reused(MatrixSessions sessions, IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<Reused>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            // Only codes and refresh tokens are redeemed (the access tokens Synapse introspects cost no lookup here).
            var type = context.Principal?.GetTokenType();
            if (type is not (TokenTypeIdentifiers.RefreshToken or TokenTypeIdentifiers.Private.AuthorizationCode)
                || string.IsNullOrEmpty(context.TokenId) || string.IsNullOrEmpty(context.AuthorizationId)
                || await tokens.FindByIdAsync(context.TokenId, context.CancellationToken) is not { } token
                || !await tokens.HasStatusAsync(token, Statuses.Redeemed, context.CancellationToken))
            {
                return;
            }

            // As OpenIddict decides: a refresh token inside its reuse leeway still works (none is set here, AuthServiceMode).
            if (type == TokenTypeIdentifiers.RefreshToken && context.Options.RefreshTokenReuseLeeway is { } leeway
                && await tokens.GetRedemptionDateAsync(token, context.CancellationToken) is { } redeemed && redeemed + leeway >= DateTimeOffset.UtcNow)
            {
                return;
            }

            await EndAsync(sessions, context.Principal, context.CancellationToken);
        }
    }
}
