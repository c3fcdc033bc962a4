using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.Oidc.AuthService;

namespace OpenMeet.AppService.Api;

/// <summary>
/// Starts a Matrix session for a person's own account, with a device per OpenMeet session and a
/// refreshable, expiring access token. In oidc.mode sso: Synapse's JWT login (<c>jwt_config</c>);
/// Synapse's admin login-as-user would give a token with no device, which no end-to-end-encrypting
/// client can use. In oidc.mode matrix_auth_service: our own token endpoint, with the credential
/// grant (<see cref="CredentialGrant"/>), since Synapse has no logins of its own then.
/// </summary>
public sealed class Credentials(MatrixClient matrix, AppConfig config, IServiceProvider services)
{
    public const string HttpClientName = "credentials";
    private readonly JsonWebTokenHandler tokens = new();

    public bool Configured => config.Oidc.IsAuthService || config.Homeserver.LoginJwt.Secret.Length > 0;

    /// <summary>In oidc.mode matrix_auth_service: where and as which client the web client refreshes its session.</summary>
    public (string TokenEndpoint, string ClientId)? Refresh =>
        config.Oidc.IsAuthService ? ($"{config.Oidc.Issuer.TrimEnd('/')}/token", CredentialGrant.WebClientId) : null;

    /// <summary>The same OpenMeet session always gets the same device.</summary>
    public static string DeviceFor(string userKey, string session) =>
        "OM" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{userKey}\n{session}")), 0, 6);

    public sealed record Session(string UserId, string AccessToken, string DeviceId, string? RefreshToken, long? ExpiresInMs);

    public Task<Session> LoginAsync(string userKey, string localpart, string deviceId, CancellationToken ct) =>
        config.Oidc.IsAuthService ? FromIssuerAsync(userKey, localpart, deviceId, ct) : FromSynapseAsync(localpart, deviceId, ct);

    private async Task<Session> FromSynapseAsync(string localpart, string deviceId, CancellationToken ct)
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
        var reply = await matrix.SendAsync(HttpMethod.Post, "_matrix/client/v3/login", body, ct, MatrixClient.Anonymous);
        if (reply?["user_id"]?.GetValueKind() != JsonValueKind.String || reply["access_token"]?.GetValueKind() != JsonValueKind.String
            || reply["device_id"]?.GetValueKind() != JsonValueKind.String)
        {
            throw new MatrixException(System.Net.HttpStatusCode.BadGateway, "M_UNKNOWN", "the login answer has no user_id, access_token or device_id", "POST login");
        }

        return new Session(reply["user_id"]!.GetValue<string>(), reply["access_token"]!.GetValue<string>(), reply["device_id"]!.GetValue<string>(),
            reply["refresh_token"]?.GetValue<string>(), reply["expires_in_ms"]?.GetValueKind() == JsonValueKind.Number ? reply["expires_in_ms"]!.GetValue<long>() : null);
    }

    /// <summary>
    /// Our token endpoint, over HTTP at the issuer's address (OpenIddict answers only there): the
    /// loopback listener on one machine, the public address behind a proxy.
    /// </summary>
    private async Task<Session> FromIssuerAsync(string userKey, string localpart, string deviceId, CancellationToken ct)
    {
        var issuer = config.Oidc.Issuer.TrimEnd('/');
        var assertion = services.GetRequiredService<CredentialGrant>().Mint(issuer, userKey, deviceId);
        using var response = await services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName).PostAsync($"{issuer}/token",
            new FormUrlEncodedContent([new("grant_type", CredentialGrant.Type), new("client_id", CredentialGrant.WebClientId), new("assertion", assertion)]), ct);
        var reply = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        if (!response.IsSuccessStatusCode || !reply.TryGetProperty("access_token", out var access))
        {
            var error = reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("error", out var e) ? e.GetString() : null;
            var description = reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("error_description", out var d) ? d.GetString() : null;
            throw new MatrixException(response.StatusCode, error ?? "M_UNKNOWN", description ?? "the issuer gave no session", "POST token (credential grant)");
        }

        return new Session($"@{localpart}:{config.Homeserver.ServerName}", access.GetString()!, deviceId,
            reply.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null,
            reply.TryGetProperty("expires_in", out var expires) ? expires.GetInt64() * 1000 : null);
    }
}
