using System.Security.Cryptography;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenMeet.Oidc.Keys;

namespace OpenMeet.Oidc;

/// <summary>
/// OpenID Connect back-channel logout: a signed logout token (iss, aud, iat, jti, sid, sub, events, no
/// nonce) posted to each client's back-channel URI, so Synapse ends the sessions of that login.
/// Sessions are remembered by sid so that revoking a person ends all of theirs.
/// </summary>
public sealed partial class BackchannelLogout(LiteDatabase db, OidcConfig config, IHttpClientFactory http, KeyFile keys, OidcMetrics metrics, ILogger<BackchannelLogout> logger) : ISessionLogout
{
    public const string HttpClientName = "backchannel-logout";
    public const string Sessions = "oidc_sessions";
    private readonly ILiteCollection<BsonDocument> sessions = db.GetCollection(Sessions);
    private readonly JsonWebTokenHandler tokens = new();

    public void Remember(string sid, string userKey, string subject)
    {
        sessions.EnsureIndex("user");
        sessions.Upsert(new BsonDocument { ["_id"] = sid, ["user"] = userKey, ["sub"] = subject, ["at"] = DateTime.UtcNow });
    }

    /// <summary>Every remembered session of the person; throws when a client did not take its
    /// logout, so that the revocation tries again (those sessions stay remembered until it succeeds).</summary>
    public async Task LogoutUserAsync(string userKey, CancellationToken ct)
    {
        var undelivered = 0;
        foreach (var session in sessions.Find(Query.EQ("user", userKey)).ToList())
        {
            undelivered += await LogoutSessionAsync(session["_id"].AsString, session["sub"].AsString, ct) ? 0 : 1;
        }

        if (undelivered > 0)
        {
            throw new IOException($"{undelivered} back-channel logout(s) were not accepted; they are sent again");
        }
    }

    /// <summary>Posts a logout token to each client; true (and the session forgotten) when all took it.</summary>
    public async Task<bool> LogoutSessionAsync(string sid, string subject, CancellationToken ct)
    {
        var delivered = true;
        var signing = IssuerKeys.SigningKeys(keys).First();
        foreach (var client in config.Clients.Where(c => c.BackchannelLogoutUri.Length > 0))
        {
            var token = tokens.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = config.Issuer.TrimEnd('/'),
                Audience = client.ClientId,
                IssuedAt = DateTime.UtcNow,
                Expires = DateTime.UtcNow.AddMinutes(2),
                TokenType = "logout+jwt",
                Claims = new Dictionary<string, object>
                {
                    ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                    ["sid"] = sid,
                    ["sub"] = subject,
                    ["events"] = new Dictionary<string, object> { ["http://schemas.openid.net/event/backchannel-logout"] = new Dictionary<string, object>() },
                },
                SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.RsaSha256),
            });
            try
            {
                using var response = await http.CreateClient(HttpClientName).PostAsync(client.BackchannelLogoutUri,
                    new FormUrlEncodedContent([new("logout_token", token)]), ct);
                LogSent(client.ClientId, sid, (int)response.StatusCode);
                metrics.Logout(response.IsSuccessStatusCode);
                delivered &= response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                LogFailed(client.ClientId, sid, e.Message);
                metrics.Logout(false);
                delivered = false;
            }
        }

        if (delivered)
        {
            sessions.Delete(sid);
        }

        return delivered;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Back-channel logout of session {Sid} sent to {Client}: {Status}")]
    private partial void LogSent(string client, string sid, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Back-channel logout of session {Sid} to {Client} failed: {Reason}")]
    private partial void LogFailed(string client, string sid, string reason);
}
