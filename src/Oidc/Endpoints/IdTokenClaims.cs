using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenMeet.Oidc.Endpoints;

/// <summary>
/// Keeps OpenIddict's private claims (<c>oi_*</c>) out of the ID tokens clients read. Destinations do
/// not decide these: OpenIddict writes the ids of the token's database entry and of its authorization
/// (<c>oi_tkn_id</c>, <c>oi_au_id</c>) into every ID token, to find them again when the token comes back
/// as an id_token_hint. Without them a hint is checked by its signature, issuer and audience, which is
/// all logout asks of it (it names the person; the session decides the rest).
/// </summary>
public sealed class IdTokenClaims : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
        .UseSingletonHandler<IdTokenClaims>()
        // After OpenIddict made the token's claims (with oi_tkn_id, once the database entry exists), before it writes the JWT.
        .SetOrder(OpenIddictServerHandlers.Protection.AttachTokenSubject.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        if (context.TokenType == TokenTypeIdentifiers.IdentityToken && context.SecurityTokenDescriptor.Subject is { } claims)
        {
            context.SecurityTokenDescriptor.Subject = claims.Clone(claim => !claim.Type.StartsWith(Claims.Prefixes.Private, StringComparison.Ordinal));
        }

        return default;
    }
}
