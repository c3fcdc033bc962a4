using OpenMeet.AppService.Audit;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Taking someone's Matrix access away, the one way for the internal API and the admin bot: the user
/// is marked revoked and that is all this does before it answers. The reconciler carries out the
/// steps, each retried until done, also across restarts: it locks the account and deletes every
/// device, sends back-channel logouts for their SSO sessions, and takes them out of every managed
/// room. Their handle stays theirs.
/// </summary>
public sealed class Revocation(Store store, ReconcileBacklog backlog, AuditLog audit)
{
    public UserDoc? Revoke(string userKey, string actor)
    {
        if (store.ChangeUser(userKey, u =>
            {
                u.Revoked = true;
                u.SessionsEnded = false;
                u.UpdatedAt = DateTime.UtcNow;
            }) is not { } user)
        {
            return null;
        }

        audit.Record(actor, "revoke", user.UserId ?? user.Id, "ok", user.Id);
        Everywhere(user);
        return user;
    }

    /// <summary>A revocation was lifted (the store says so already): the account and every room of the person's are reconciled, so they are back in them.</summary>
    public void Lifted(UserDoc user, string actor)
    {
        audit.Record(actor, "lift revocation", user.UserId ?? user.Id, "ok", user.Id);
        Everywhere(user);
    }

    private void Everywhere(UserDoc user)
    {
        backlog.Enqueue(ReconcileKey.Account(user.Id));
        backlog.Enqueue(ReconcileKey.Room(Names.SpaceKey(user.TenantId)));
        foreach (var member in store.Members.Find(m => m.UserKey == user.Id))
        {
            backlog.Enqueue(ReconcileKey.Room(member.RoomKey));
        }
    }
}
