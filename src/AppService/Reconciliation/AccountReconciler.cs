using System.Text.Json.Nodes;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;
using OpenMeet.Oidc;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Reconciling one person's Matrix account (controller-runtime's <c>Reconcile</c> for an account key):
/// created or updated for a user with a handle (display name, a vouched email, the link to our OIDC
/// provider so an SSO login lands in this account), then their rooms reconciled; a revoked user's
/// account locked and every device and sign-in session logged out, the handle staying theirs. Called
/// by the <see cref="Reconciler"/>'s workers only, so two provisionings of one account never race.
/// </summary>
public sealed partial class AccountReconciler(
    ReconcileBacklog backlog,
    Store store,
    SynapseAdmin admin,
    AppConfig config,
    AuditLog audit,
    ILogger<AccountReconciler> logger,
    ISessionLogout? sessions = null)
{
    /// <summary>Nothing to do for this account: provisioned as it is, or no handle yet.</summary>
    public bool IsCurrent(UserDoc user) =>
        user.Revoked ? user.SessionsEnded && (user.Locked || user.UserId is null)
        : user.Handle is null || (user.UserId == UserIdOf(user) && user.ProvisionedName == user.Name && !user.Locked);

    public async Task<ReconcileResult> ReconcileAsync(string userKey, CancellationToken ct)
    {
        if (store.Users.FindById(userKey) is not { } user || IsCurrent(user))
        {
            return ReconcileResult.Done;
        }

        if (user.Revoked)
        {
            await RevokeAsync(user, ct);
            return ReconcileResult.Done;
        }

        var userId = UserIdOf(user);
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
        // Synapse takes a threepid as validated: only an email OpenMeet vouched for becomes one.
        if (user.Email is { Length: > 0 } email && user.EmailVerified)
        {
            account["threepids"] = new JsonArray(new JsonObject { ["medium"] = "email", ["address"] = email });
        }

        await admin.PutUserAsync(userId, account, ct);
        var isNew = user.UserId is null;
        var provisionedName = user.Name;
        store.ChangeUser(user.Id, u =>
        {
            u.UserId = userId;
            u.ProvisionedName = provisionedName;
            u.Locked = false;
        });
        LogProvisioned(userKey, userId);
        if (isNew)
        {
            backlog.Enqueue(ReconcileKey.Room(Names.SpaceKey(user.TenantId)));
            foreach (var member in store.Members.Find(m => m.UserKey == userKey))
            {
                backlog.Enqueue(ReconcileKey.Room(member.RoomKey));
            }

            foreach (var dm in store.DmsOf(user.Slug).ToEnumerable().Where(r => r.TenantId == user.TenantId && r.Kind == RoomKind.Dm))
            {
                backlog.Enqueue(ReconcileKey.Room(dm.Id));
            }
        }

        return ReconcileResult.Done;
    }

    private string UserIdOf(UserDoc user) => $"@{user.Handle}:{config.Homeserver.ServerName}";

    // The steps of a revocation, each done once and retried (with the key) until it is.
    private async Task RevokeAsync(UserDoc user, CancellationToken ct)
    {
        if (user.UserId is { } userId && !user.Locked)
        {
            await admin.PutUserAsync(userId, new() { ["locked"] = true }, ct);
            await admin.LogoutEverywhereAsync(userId, ct);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Provisioned {UserKey} as {UserId}")]
    private partial void LogProvisioned(string userKey, string userId);
}
