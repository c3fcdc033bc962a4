using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Api;

/// <summary>
/// Starts a Matrix session for a person's own account: a JWT login (Synapse's <c>jwt_config</c>) with
/// a device per OpenMeet session and a refreshable, expiring access token. Synapse's admin
/// login-as-user would give a token with no device, which no end-to-end-encrypting client can use.
/// </summary>
public sealed class Credentials(MatrixClient matrix, AppConfig config)
{
    private readonly JsonWebTokenHandler tokens = new();

    public bool Configured => config.Homeserver.LoginJwt.Secret.Length > 0;

    /// <summary>The same OpenMeet session always gets the same device.</summary>
    public static string DeviceFor(string userKey, string session) =>
        "OM" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{userKey}\n{session}")), 0, 6);

    public async Task<JsonNode> LoginAsync(string localpart, string deviceId, CancellationToken ct)
    {
        var login = config.Homeserver.LoginJwt;
        var jwt = tokens.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = login.Issuer,
            Audience = login.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = localpart },
            Expires = DateTime.UtcNow.AddMinutes(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(login.Secret)), SecurityAlgorithms.HmacSha256),
        });
        var body = new JsonObject
        {
            ["type"] = "org.matrix.login.jwt",
            ["token"] = jwt,
            ["device_id"] = deviceId,
            ["initial_device_display_name"] = "OpenMeet",
            ["refresh_token"] = true,
        };
        return (await matrix.SendAsync(HttpMethod.Post, "_matrix/client/v3/login", body, ct, MatrixClient.Anonymous))!;
    }
}
