using System.Text.Json.Nodes;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;
using OpenMeet.Oidc;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Reconciling one person's Matrix account (controller-runtime's <c>Reconcile</c> for an account key):
/// created or updated for a user with a handle (display name, a vouched email, and in sso mode the
/// link to our OIDC provider so an SSO login lands in this account), then their rooms reconciled; a
/// revoked user's account locked and every device and sign-in session logged out, the handle staying
/// theirs; then the devices the issuer asked for (<see cref="AccountDevices"/>). Through Synapse's
/// admin API in sso mode, through <c>/_synapse/mas/</c> when our issuer is Synapse's auth service.
/// Called by the <see cref="Reconciler"/>'s workers only, so two reconciles of one account never race.
/// </summary>
public sealed partial class AccountReconciler(
    ReconcileBacklog backlog,
    Store store,
    SynapseAdmin admin,
    SynapseMas mas,
    AccountDevices devices,
    AppConfig config,
    AuditLog audit,
    ILogger<AccountReconciler> logger,
    ISessionLogout? sessions = null)
{
    private string Mode => config.Oidc.IsAuthService ? OidcConfig.MatrixAuthServiceMode : OidcConfig.SsoMode;

    /// <summary>Nothing to do for this account: provisioned as it is (in this mode), or no handle yet; no device change waiting.</summary>
    public bool IsCurrent(UserDoc user) =>
        user.DeviceChanges.Count == 0
        && (user.Revoked ? user.SessionsEnded && (user.Locked || user.UserId is null) : !NeedsProvisioning(user));

    public async Task<ReconcileResult> ReconcileAsync(string userKey, CancellationToken ct)
    {
        if (store.Users.FindById(userKey) is not { } user || IsCurrent(user))
        {
            return ReconcileResult.Done;
        }

        if (user.Revoked)
        {
            await RevokeAsync(user, ct);
        }
        else if (NeedsProvisioning(user))
        {
            await ProvisionAsync(user, ct);
        }

        await devices.ApplyAsync(userKey, ct);
        return ReconcileResult.Done;
    }

    private bool NeedsProvisioning(UserDoc user) =>
        user.Handle is not null
        && (user.UserId != UserIdOf(user) || user.ProvisionedName != user.Name || user.Locked || (user.ProvisionedMode ?? OidcConfig.SsoMode) != Mode);

    private async Task ProvisionAsync(UserDoc user, CancellationToken ct)
    {
        var userId = UserIdOf(user);
        // Synapse takes an email as validated: only one OpenMeet vouched for is given.
        var email = user.Email is { Length: > 0 } address && user.EmailVerified ? address : null;
        if (config.Oidc.IsAuthService)
        {
            // No link to an identity provider: in this mode Synapse knows only the localpart.
            await mas.ProvisionUserAsync(user.Handle!, user.Name, email is null ? [] : [email], locked: false, ct);
        }
        else
        {
            await admin.PutUserAsync(userId, SsoAccount(user, email), ct);
        }

        var isNew = user.UserId is null;
        var (provisionedName, mode) = (user.Name, Mode);
        store.ChangeUser(user.Id, u =>
        {
            u.UserId = userId;
            u.ProvisionedName = provisionedName;
            u.ProvisionedMode = mode;
            u.Locked = false;
        });
        LogProvisioned(user.Id, userId, mode);
        if (isNew)
        {
            backlog.Enqueue(ReconcileKey.Room(Names.SpaceKey(user.TenantId)));
            foreach (var member in store.Members.Find(m => m.UserKey == user.Id))
            {
                backlog.Enqueue(ReconcileKey.Room(member.RoomKey));
            }

            foreach (var dm in store.DmsOf(user.Slug).ToEnumerable().Where(r => r.TenantId == user.TenantId && r.Kind == RoomKind.Dm))
            {
                backlog.Enqueue(ReconcileKey.Room(dm.Id));
            }
        }
    }

    private JsonObject SsoAccount(UserDoc user, string? email)
    {
        var account = new JsonObject
        {
            ["displayname"] = user.Name,
            ["locked"] = false,
            ["external_ids"] = new JsonArray(new JsonObject
            {
                ["auth_provider"] = $"oidc-{config.Homeserver.OidcIdpId}",
                ["external_id"] = Subjects.For(user.TenantId, user.Slug),
            }),
        };
        if (email is not null)
        {
            account["threepids"] = new JsonArray(new JsonObject { ["medium"] = "email", ["address"] = email });
        }

        return account;
    }

    private string UserIdOf(UserDoc user) => $"@{user.Handle}:{config.Homeserver.ServerName}";

    // The steps of a revocation, each done once and retried (with the key) until it is.
    private async Task RevokeAsync(UserDoc user, CancellationToken ct)
    {
        if (user.UserId is { } userId && !user.Locked)
        {
            if (config.Oidc.IsAuthService)
            {
                // Locked is for Synapse's user directory; deleting every device is what ends every session at once.
                var localpart = userId[1..userId.IndexOf(':', StringComparison.Ordinal)];
                await mas.ProvisionUserAsync(localpart, null, null, locked: true, ct);
                await mas.SyncDevicesAsync(localpart, [], ct);
            }
            else
            {
                await admin.PutUserAsync(userId, new() { ["locked"] = true }, ct);
                await admin.LogoutEverywhereAsync(userId, ct);
            }

            store.ChangeUser(user.Id, u => u.Locked = true);
            audit.Record("internal-api", "revoke", userId, "ok", "locked, all devices logged out");
        }

        if (!user.SessionsEnded)
        {
            if (sessions is not null)
            {
                await sessions.LogoutUserAsync(user.Id, ct);
            }

            store.ChangeUser(user.Id, u => u.SessionsEnded = true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Provisioned {UserKey} as {UserId} ({Mode})")]
    private partial void LogProvisioned(string userKey, string userId, string mode);
}
