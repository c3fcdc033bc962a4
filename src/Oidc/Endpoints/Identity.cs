using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.Endpoints;

/// <summary>The claims a person's tokens carry, and where each goes.</summary>
public static class Identity
{
    public const string UserKeyClaim = "om_user";

    public static ClaimsPrincipal For(OidcPerson person, string sid, long authTime, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, person.Subject)
            .SetClaim(Claims.Name, person.Name)
            .SetClaim(Claims.PreferredUsername, person.Handle)
            .SetClaim("matrix_handle", person.Handle)
            .SetClaim("tenant_id", person.TenantId)
            .SetClaim("tenant_domain", person.TenantDomain)
            .SetClaim("sid", sid)
            .SetClaim(UserKeyClaim, person.UserKey);
        identity.AddClaim(new Claim(Claims.AuthenticationTime, authTime.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        if (person.EmailVerified && person.Email is not null)
        {
            identity.SetClaim(Claims.Email, person.Email);
        }

        var granted = scopes.ToList();
        identity.SetScopes(granted);
        identity.SetDestinations(claim => claim.Type switch
        {
            UserKeyClaim => [],
            "sid" or Claims.AuthenticationTime => [Destinations.IdentityToken],
            Claims.Email when !granted.Contains(Scopes.Email) => [],
            _ => [Destinations.IdentityToken, Destinations.AccessToken],
        });
        return new ClaimsPrincipal(identity);
    }
}
