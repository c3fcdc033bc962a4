using LiteDB;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Models;
using OpenMeet.Oidc.Stores;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// A person's Matrix sessions in <c>oidc.mode: matrix_auth_service</c>: each is a device in Synapse,
/// made by a sign-in here (an app's code flow, or the credential API's grant) whose tokens still work.
/// Ending one revokes every grant of the device here and deletes the device in Synapse, which ends it
/// there at once (Synapse keeps introspection answers for up to two minutes).
/// </summary>
public sealed class MatrixSessions(
    IOidcPeople people,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictTokenManager tokens,
    IOpenIddictApplicationManager applications,
    LiteDatabase db)
{
    public sealed record Session(string DeviceId, string App, DateTimeOffset? Since);

    /// <summary>The person's live sessions, newest first.</summary>
    public async Task<IReadOnlyList<Session>> ListAsync(string subject, CancellationToken ct)
    {
        var sessions = new Dictionary<string, Session>(StringComparer.Ordinal);
        foreach (var (authorization, device) in await GrantsAsync(subject, null, ct))
        {
            if (!await LiveAsync(authorization, ct))
            {
                continue;
            }

            var since = await authorizations.GetCreationDateAsync(authorization, ct);
            var client = await authorizations.GetApplicationIdAsync(authorization, ct) is { } id ? await applications.FindByIdAsync(id, ct) : null;
            var app = client is null ? "An app" : await applications.GetDisplayNameAsync(client, ct) ?? await applications.GetClientIdAsync(client, ct) ?? "An app";
            if (!sessions.TryGetValue(device, out var known) || known.Since < since)
            {
                sessions[device] = new Session(device, app, since);
            }
        }

        return [.. sessions.Values.OrderByDescending(s => s.Since).ThenBy(s => s.DeviceId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Ends the session of the device: its grants here, then the device in Synapse (stored first, and
    /// retried until done if Synapse is away). The grants are revoked whatever <paramref name="ct"/>
    /// says, so a dropped request cannot leave the tokens revoked and the device standing.
    /// </summary>
    public async Task EndAsync(string subject, string userKey, string deviceId, CancellationToken ct)
    {
        foreach (var (authorization, _) in await GrantsAsync(subject, deviceId, CancellationToken.None))
        {
            var id = await authorizations.GetIdAsync(authorization, CancellationToken.None);
            await tokens.RevokeByAuthorizationIdAsync(id!, CancellationToken.None);
            await authorizations.TryRevokeAsync(authorization, CancellationToken.None);
        }

        await people.EndDeviceAsync(userKey, deviceId, ct);
    }

    /// <summary>The person's valid grants that name a device (all, or those of <paramref name="deviceId"/>).</summary>
    private async Task<List<(object Authorization, string Device)>> GrantsAsync(string subject, string? deviceId, CancellationToken ct)
    {
        var found = new List<(object, string)>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(subject, ct))
        {
            if (await authorizations.HasStatusAsync(authorization, Statuses.Valid, ct)
                && MatrixScopes.DeviceOf(await authorizations.GetScopesAsync(authorization, ct)) is { } device
                && (deviceId is null || string.Equals(device, deviceId, StringComparison.Ordinal)))
            {
                found.Add((authorization, device));
            }
        }

        return found;
    }

    /// <summary>Whether a token of the grant still works: read from the store by index, not token by token (a session has thousands of spent ones).</summary>
    private async Task<bool> LiveAsync(object authorization, CancellationToken ct)
    {
        var id = (await authorizations.GetIdAsync(authorization, ct))!;
        return db.GetCollection<OidcToken>(OidcCollections.Tokens).Exists(Query.And(
            Query.EQ(nameof(OidcToken.AuthorizationId), id),
            Query.EQ(nameof(OidcToken.Status), Statuses.Valid),
            Query.Or(Query.GT(nameof(OidcToken.ExpirationDate), DateTime.UtcNow), Query.EQ(nameof(OidcToken.ExpirationDate), BsonValue.Null))));
    }
}
