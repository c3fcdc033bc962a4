using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpenMeet.EndToEnd.Tests;

/// <summary>OpenMeet's side: the internal API, and reading what Synapse really has (admin API).</summary>
internal sealed class OpenMeet(LiveStackFixture stack)
{
    public static readonly string Run = Guid.NewGuid().ToString("N")[..8];

    public HttpClient Api => stack.Service(stack["INTERNAL_TOKEN"]);

    /// <summary>The OIDC subject the service links accounts to (its documented derivation).</summary>
    public static string Subject(string tenant, string slug) =>
        "om1" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{tenant}/{slug}")), 0, 16);

    public string ServerName => stack["SERVER_NAME"];

    public string UserId(string handle) => $"@{handle}:{ServerName}";

    // Who each Matrix ID is in OpenMeet, from the PUTs of people with a handle: ActAsAsync asks the
    // credential API as them when Synapse has no admin login (the auth-service lane).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Tenant, string Slug)> People = new(StringComparer.Ordinal);

    public async Task<JsonElement> PutAsync(string path, object body)
    {
        using var response = await Api.PutAsJsonAsync("internal/" + path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, $"PUT {path} answered {text}");
        var reply = JsonDocument.Parse(text).RootElement.Clone();
        if (path.Split('/') is ["tenants", var tenant, "users", var slug] && reply.TryGetProperty("handle", out var handle) && handle.ValueKind == JsonValueKind.String)
        {
            People[UserId(handle.GetString()!)] = (tenant, slug);
        }

        return reply;
    }

    public async Task DeleteAsync(string path)
    {
        using var response = await Api.DeleteAsync("internal/" + path);
        response.IsSuccessStatusCode.Should().BeTrue($"DELETE {path} answered {await response.Content.ReadAsStringAsync()}");
    }

    public Task<JsonElement> PostAsync(string path, object body) => Api.PostJsonAsync("internal/" + path, body);

    public Task<JsonElement> GetAsync(string path) => Api.GetJsonAsync("internal/" + path);

    public Task<JsonElement> RoomAsync(string tenant, string kind, string slug) => Api.GetJsonAsync($"internal/tenants/{tenant}/{kind}/{slug}/room");

    /// <summary>Waits until the room is ready with nothing left to do, and returns its report.</summary>
    public async Task<JsonElement> ConvergedAsync(string tenant, string kind, string slug, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var room = await RoomAsync(tenant, kind, slug);
            if (room.GetProperty("state").GetString() is "ready" or "closed" && room.GetProperty("drift").GetArrayLength() == 0)
            {
                return room;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{tenant}/{kind}/{slug} did not converge within {seconds} s: {room}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The room's state as Synapse has it: (type, state_key) → content.</summary>
    public async Task<Dictionary<(string, string), JsonElement>> StateAsync(string roomId)
    {
        var state = await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetJsonAsync($"_synapse/admin/v1/rooms/{Uri.EscapeDataString(roomId)}/state");
        return state.GetProperty("state").EnumerateArray().ToDictionary(
            e => (e.GetProperty("type").GetString()!, e.GetProperty("state_key").GetString()!),
            e => e.GetProperty("content").Clone());
    }

    public static Dictionary<string, string> Members(Dictionary<(string, string), JsonElement> state) =>
        state.Where(kv => kv.Key.Item1 == "m.room.member")
            .ToDictionary(kv => kv.Key.Item2, kv => kv.Value.GetProperty("membership").GetString()!);

    public static Dictionary<string, int> Levels(Dictionary<(string, string), JsonElement> state) =>
        state[("m.room.power_levels", "")].TryGetProperty("users", out var users)
            ? users.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32())
            : [];

    /// <summary>
    /// An access token for a person's own account, to act as them: Synapse's admin login-as-user, or in
    /// the auth-service lane (no logins in Synapse) a session from the credential API, as OpenMeet's
    /// web client gets one.
    /// </summary>
    public async Task<HttpClient> ActAsAsync(string userId)
    {
        if (!LiveStackFixture.AuthServiceLane)
        {
            var login = await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).PostJsonAsync($"_synapse/admin/v1/users/{Uri.EscapeDataString(userId)}/login", new { });
            return stack.Synapse(login.GetProperty("access_token").GetString());
        }

        People.TryGetValue(userId, out var person).Should().BeTrue($"{userId} was PUT with a handle through this helper");
        using var web = new HttpClient { BaseAddress = new Uri(stack["PUBLIC_URL"].TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        web.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OpenMeetToken(person.Tenant, person.Slug, Guid.NewGuid().ToString("N")));
        var session = await web.PostJsonAsync("api/matrix/credentials", new { });
        return stack.Synapse(session.GetProperty("accessToken").GetString());
    }

    /// <summary>The token OpenMeet's web client holds for a person: HS256 with the stack's OpenMeet key, a session id, a name if given.</summary>
    public string OpenMeetToken(string tenant, string slug, string session, string? name = null) => new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(
        new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = stack["OPENMEET_JWT_ISSUER"],
            Audience = stack["OPENMEET_JWT_AUDIENCE"],
            Claims = name is null
                ? new Dictionary<string, object> { ["sub"] = slug, ["tenant_id"] = tenant, ["sid"] = session }
                : new Dictionary<string, object> { ["sub"] = slug, ["tenant_id"] = tenant, ["sid"] = session, ["name"] = name },
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(stack["OPENMEET_JWT_SECRET"])),
                Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });

    /// <summary>Writes by the service (the bot, or the admin API it calls) in Synapse's access log since <paramref name="offset"/>.</summary>
    public List<string> ServiceWritesSince(long offset)
    {
        using var log = new FileStream(stack["SYNAPSE_LOG"], FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(offset, SeekOrigin.Begin);
        var text = new StreamReader(log).ReadToEnd();
        return [.. text.Split('\n').Where(l => l.Contains("Processed request", StringComparison.Ordinal)
            && (l.Contains($"{{@openmeet-bot:{ServerName}}}", StringComparison.Ordinal) || l.Contains($"{{@operator:{ServerName}}}", StringComparison.Ordinal))
            && (l.Contains("\"PUT ", StringComparison.Ordinal) || l.Contains("\"POST ", StringComparison.Ordinal) || l.Contains("\"DELETE ", StringComparison.Ordinal))
            && !l.Contains("/login", StringComparison.Ordinal))];
    }

    public long SynapseLogLength() => new FileInfo(stack["SYNAPSE_LOG"]).Length;
}
