using OpenMeet.AppService.Audit;
using OpenMeet.AppService.State;
using OpenMeet.Oidc;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Taking someone's Matrix access away, the one way for the internal API and the admin bot: the user
/// is marked revoked (the reconciler locks the account, deletes every device and takes them out of
/// every managed room), their SSO sessions get back-channel logouts, and their handle stays theirs.
/// </summary>
public sealed class Revocation(Store store, ReconcileBacklog backlog, AuditLog audit, ISessionLogout? sessions = null)
{
    public async Task<UserDoc?> RevokeAsync(string userKey, string actor, CancellationToken ct)
    {
        if (store.Users.FindById(userKey) is not { } user)
        {
            return null;
        }

        user.Revoked = true;
        user.UpdatedAt = DateTime.UtcNow;
        store.Users.Update(user);
        audit.Record(actor, "revoke", user.UserId ?? user.Id, "ok", user.Id);
        if (sessions is not null)
        {
            await sessions.LogoutUserAsync(user.Id, ct);
        }

        backlog.Enqueue(Reconciler.UserKeyPrefix + user.Id);
        backlog.Enqueue(Names.SpaceKey(user.TenantId));
        foreach (var member in store.Members.Find(m => m.UserKey == user.Id))
        {
            backlog.Enqueue(member.RoomKey);
        }

        return user;
    }
}
