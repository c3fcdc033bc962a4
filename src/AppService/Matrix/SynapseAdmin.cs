using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Matrix;

/// <summary>
/// Synapse's admin API, with the token of a server admin outside our namespace (Synapse will not let
/// an exclusive appservice user be made admin). Same error and retry rules as <see cref="MatrixClient"/>.
/// </summary>
public sealed class SynapseAdmin(MatrixClient matrix, AppConfig config)
{
    public bool Configured => config.Homeserver.AdminToken.Length > 0;

    /// <summary>Creates the account, or updates it: idempotent.</summary>
    public Task PutUserAsync(string userId, JsonObject body, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, $"_synapse/admin/v2/users/{Uri.EscapeDataString(userId)}", body, ct);

    public Task ForceJoinAsync(string roomId, string userId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"_synapse/admin/v1/join/{Uri.EscapeDataString(roomId)}", new JsonObject { ["user_id"] = userId }, ct);

    /// <summary>Deletes every device of the user, which ends every session (its access tokens go with it).</summary>
    public async Task LogoutEverywhereAsync(string userId, CancellationToken ct)
    {
        var path = $"_synapse/admin/v2/users/{Uri.EscapeDataString(userId)}";
        var devices = (await SendAsync(HttpMethod.Get, path + "/devices", null, ct))?["devices"]?.AsArray() ?? [];
        var ids = new JsonArray([.. devices.Select(d => JsonValue.Create(d?["device_id"]?.GetValue<string>()))]);
        if (ids.Count > 0)
        {
            await SendAsync(HttpMethod.Post, path + "/delete_devices", new JsonObject { ["devices"] = ids }, ct);
        }
    }

    /// <summary>Whether the server still knows the room (false once it was deleted or purged).</summary>
    public async Task<bool> RoomExistsAsync(string roomId, CancellationToken ct)
    {
        try
        {
            await SendAsync(HttpMethod.Get, $"_synapse/admin/v1/rooms/{Uri.EscapeDataString(roomId)}", null, ct);
            return true;
        }
        catch (MatrixException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        if (!Configured)
        {
            throw new InvalidOperationException("homeserver.admin_token is not set: the Synapse admin API is needed for this");
        }

        return matrix.SendAsync(method, path, body, ct, new AuthenticationHeaderValue("Bearer", config.Homeserver.AdminToken));
    }
}
