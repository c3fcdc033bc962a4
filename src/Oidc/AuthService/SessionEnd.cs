using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenMeet.Oidc.Endpoints;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// A Matrix app signing out revokes its token here (Synapse has no /logout in this mode). Synapse keeps
/// an introspection answer for up to two minutes, so the revoked token alone would still work that
/// long: the session's device is deleted in Synapse too, which ends it there at once.
/// </summary>
public sealed class SessionEnd(IOidcPeople people) : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
        .UseSingletonHandler<SessionEnd>()
        .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 1_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (context.GenericTokenPrincipal is { } principal && principal.GetClaim(Identity.UserKeyClaim) is { } userKey
            && MatrixScopes.DeviceOf(principal.GetScopes()) is { } device)
        {
            await people.EndDeviceAsync(userKey, device, context.CancellationToken);
        }
    }
}
