using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Matrix;

/// <summary>
/// Synapse's <c>/_synapse/mas/</c> API, which provisions accounts and devices when our issuer is its
/// <c>matrix_authentication_service</c> (<c>oidc.mode: matrix_auth_service</c>): authenticated with
/// the shared secret, bodies as Synapse's strict models want them. Same transport, errors and outage
/// rules as <see cref="MatrixClient"/>; every call sets state, so a failed one may be sent again. An
/// unknown localpart is a 404 <c>M_NOT_FOUND</c> <see cref="MatrixException"/> unless said otherwise.
/// </summary>
public sealed class SynapseMas(MatrixClient matrix, AppConfig config)
{
    private const string Base = "_synapse/mas/";

    public bool Configured => config.Oidc.MatrixAuthService.Secret.Length > 0;

    /// <summary>The account, or null when Synapse has none with this localpart.</summary>
    public async Task<MasUser?> QueryUserAsync(string localpart, CancellationToken ct)
    {
        try
        {
            var reply = await SendAsync(HttpMethod.Get, $"query_user?localpart={Uri.EscapeDataString(localpart)}", null, ct);
            return reply.Deserialize(AppJsonContext.Default.MasUser);
        }
        catch (MatrixException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Creates the account or updates it. Each field left null stays as it is.
    /// </summary>
    /// <param name="displayName">The display name; empty removes it.</param>
    /// <param name="emails">Exactly these emails, bound as validated (so only ones OpenMeet vouched for); empty removes every one.</param>
    /// <param name="locked">Locks or unlocks the account (for Synapse's user directory: our introspection is what refuses a locked person).</param>
    public Task ProvisionUserAsync(string localpart, string? displayName, IReadOnlyCollection<string>? emails, bool? locked, CancellationToken ct)
    {
        // Synapse refuses a body with both the set_ and the unset_ key of a field, whatever their values.
        var body = new JsonObject { ["localpart"] = localpart };
        if (displayName is { Length: > 0 })
        {
            body["set_displayname"] = displayName;
        }
        else if (displayName is not null)
        {
            body["unset_displayname"] = true;
        }

        if (emails is { Count: > 0 })
        {
            body["set_emails"] = new JsonArray([.. emails.Select(e => JsonValue.Create(e))]);
        }
        else if (emails is not null)
        {
            body["unset_emails"] = true;
        }

        if (locked is { } value)
        {
            body["locked"] = value;
        }

        return SendAsync(HttpMethod.Post, "provision_user", body, ct);
    }

    /// <summary>Whether a new account could take this localpart: false when one has it (in any case), or Synapse would refuse it (invalid, or an appservice's exclusive namespace).</summary>
    public async Task<bool> IsLocalpartAvailableAsync(string localpart, CancellationToken ct)
    {
        try
        {
            await SendAsync(HttpMethod.Get, $"is_localpart_available?localpart={Uri.EscapeDataString(localpart)}", null, ct);
            return true;
        }
        catch (MatrixException e) when (e.Status == HttpStatusCode.BadRequest && e.ErrCode is "M_USER_IN_USE" or "M_INVALID_USERNAME" or "M_EXCLUSIVE")
        {
            return false;
        }
    }

    /// <summary>Deactivates the account; <paramref name="erase"/> also erases its data (GDPR erasure).</summary>
    public Task DeleteUserAsync(string localpart, bool erase, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "delete_user", new JsonObject { ["localpart"] = localpart, ["erase"] = erase }, ct);

    public Task ReactivateUserAsync(string localpart, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "reactivate_user", new JsonObject { ["localpart"] = localpart }, ct);

    /// <summary>Creates the device, or renames it if it exists. Synapse refuses a token whose device it does not know.</summary>
    public Task UpsertDeviceAsync(string localpart, string deviceId, string? displayName, CancellationToken ct)
    {
        var body = new JsonObject { ["localpart"] = localpart, ["device_id"] = deviceId };
        if (displayName is not null)
        {
            body["display_name"] = displayName;
        }

        return SendAsync(HttpMethod.Post, "upsert_device", body, ct);
    }

    /// <summary>Deletes the device, which ends its session at once; a device that does not exist is fine.</summary>
    public Task DeleteDeviceAsync(string localpart, string deviceId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "delete_device", new JsonObject { ["localpart"] = localpart, ["device_id"] = deviceId }, ct);

    public Task UpdateDeviceDisplayNameAsync(string localpart, string deviceId, string displayName, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "update_device_display_name", new JsonObject { ["localpart"] = localpart, ["device_id"] = deviceId, ["display_name"] = displayName }, ct);

    /// <summary>Makes the account's devices exactly these (its dehydrated device aside): the missing ones are created, every other one deleted.</summary>
    public Task SyncDevicesAsync(string localpart, IReadOnlyCollection<string> deviceIds, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "sync_devices", new JsonObject { ["localpart"] = localpart, ["devices"] = new JsonArray([.. deviceIds.Select(d => JsonValue.Create(d))]) }, ct);

    /// <summary>Lets the account replace its cross-signing keys without interactive auth for the next 10 minutes.</summary>
    public Task AllowCrossSigningResetAsync(string localpart, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "allow_cross_signing_reset", new JsonObject { ["localpart"] = localpart }, ct);

    private Task<JsonNode?> SendAsync(HttpMethod method, string call, JsonObject? body, CancellationToken ct)
    {
        if (!Configured)
        {
            throw new InvalidOperationException("oidc.matrix_auth_service.secret is not set: Synapse's /_synapse/mas/ API is needed for this");
        }

        return matrix.SendAsync(method, Base + call, body, ct, new AuthenticationHeaderValue("Bearer", config.Oidc.MatrixAuthService.Secret), idempotent: true);
    }
}
