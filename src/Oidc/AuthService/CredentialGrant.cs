using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// How the credential API gets a Matrix session for OpenMeet's web client in oidc.mode
/// matrix_auth_service (Synapse's JWT login is off then): it asks our own token endpoint with this
/// grant, for the public client <see cref="WebClientId"/>, with an assertion only this process can
/// sign (a key made at start, kept in memory), naming the person and the device, used once, for a
/// minute at most. The web client refreshes its session at the token endpoint as that client.
/// </summary>
public sealed class CredentialGrant
{
    public const string Type = "urn:openmeet:params:oauth:grant-type:credential";
    public const string WebClientId = "openmeet-web";
    private const string DeviceClaim = "device";
    private static readonly TimeSpan Life = TimeSpan.FromMinutes(1);
    private readonly SymmetricSecurityKey key = new(RandomNumberGenerator.GetBytes(32));
    private readonly JsonWebTokenHandler handler = new();

    /// <summary>The assertion for the person's session on the device.</summary>
    public string Mint(string issuer, string userKey, string deviceId) => handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = issuer,
        Expires = DateTime.UtcNow + Life,
        Claims = new Dictionary<string, object>
        {
            ["sub"] = userKey, [DeviceClaim] = deviceId, ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        },
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
    });

    /// <summary>The person's key, the device and the assertion's id and expiry, if the assertion is ours and current.</summary>
    public async Task<(string UserKey, string DeviceId, string Jti, DateTime Expires)?> ReadAsync(string issuer, string? assertion)
    {
        var result = await handler.ValidateTokenAsync(assertion ?? "", new TokenValidationParameters
        {
            ValidIssuer = issuer, ValidAudience = issuer, IssuerSigningKey = key, ClockSkew = TimeSpan.FromSeconds(5),
        });
        return result.IsValid && result.SecurityToken is JsonWebToken token
            && token.TryGetPayloadValue<string>("sub", out var userKey) && token.TryGetPayloadValue<string>(DeviceClaim, out var device)
            && token.TryGetPayloadValue<string>("jti", out var jti)
            ? (userKey, device, jti, token.ValidTo)
            : null;
    }

    /// <summary>The scopes of a web client's session: OpenID, the Matrix API (which brings a refresh token), its device.</summary>
    public static string[] Scopes(string deviceId) => ["openid", MatrixScopes.Api, MatrixScopes.DevicePrefix + deviceId];

    /// <summary>The session id the tokens carry (as sid): the device, which is the web client's session.</summary>
    public static string Session(string deviceId) => "credential:" + deviceId;
}
