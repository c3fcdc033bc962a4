using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OpenMeet.AppService.Tests;

/// <summary>Tokens as OpenMeet would issue them, for the public API.</summary>
internal static class OpenMeetTokens
{
    public static string Hs256(string sub, string tenant, string? name = null, string issuer = TestService.JwtIssuer,
        string audience = TestService.JwtAudience, DateTime? expires = null, string secret = TestService.JwtSecret) =>
        Sign(sub, tenant, name, issuer, audience, expires, new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256));

    public static string Sign(string sub, string tenant, string? name, string issuer, string audience, DateTime? expires, SigningCredentials credentials)
    {
        var claims = new Dictionary<string, object> { ["sub"] = sub, ["tenant_id"] = tenant, ["email"] = $"{sub}@example.org" };
        if (name is not null)
        {
            claims["name"] = name;
        }

        var exp = expires ?? DateTime.UtcNow.AddMinutes(5);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            NotBefore = exp.AddMinutes(-10),
            IssuedAt = exp.AddMinutes(-10),
            Expires = exp,
            SigningCredentials = credentials,
        });
    }
}
