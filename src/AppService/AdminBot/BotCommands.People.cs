using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.AdminBot;

public sealed partial class BotCommands
{
    private Task<Reply> Whois(CommandLine line, string admin, CancellationToken ct)
    {
        var user = FindUser(line.Args[0]);
        var memberships = store.Members.Find(m => m.UserKey == user.Id).Select(m => $"{m.RoomKey} as {m.Role}{(m.OptedOut ? " (left on their own)" : "")}").ToList();
        var text = $"""
            {user.Id}: {user.Name}
            tenant: {user.TenantId}
            handle: {user.Handle ?? "none yet"}
            Matrix account: {user.UserId ?? "not provisioned"}
            revoked: {(!user.Revoked ? "no" : $"yes (account locked: {(user.Locked || user.UserId is null ? "yes" : "not yet")}, sign-in sessions ended: {(user.SessionsEnded ? "yes" : "not yet")})")}
            email: {user.Email ?? "-"}
            memberships ({memberships.Count}): {(memberships.Count == 0 ? "none" : "\n  " + string.Join("\n  ", memberships))}
            """;
        return Task.FromResult(Reply.Success(text));
    }

    private async Task<Reply> Handle(CommandLine line, string admin, CancellationToken ct)
    {
        var handle = HandleRules.Fold(line.Args[1]);
        switch (line.Args[0].ToLowerInvariant())
        {
            case "check":
                var check = await claims.CheckAsync(handle, null, null, ct);
                return check.Available
                    ? Reply.Success($"'{check.Handle}' is available.")
                    : Reply.Success($"'{check.Handle}' is not available: {check.Reason}" + (check.Suggestions.Count > 0 ? $" Free instead: {string.Join(", ", check.Suggestions)}." : ""));
            case "release":
                var released = claims.Release(handle);
                audit.Record(admin, "handle release", handle, released is null ? "ok" : "refused", released);
                return released is null ? Reply.Success($"Released '{handle}': its owner may choose another; nobody else will ever get it.") : Reply.Failure(released);
            case "block":
                var blocked = claims.Block(handle);
                audit.Record(admin, "handle block", handle, blocked is null ? "ok" : "refused", blocked);
                return blocked is null ? Reply.Success($"Blocked '{handle}': nobody can claim it.") : Reply.Failure(blocked);
            default:
                var closest = Suggest.Closest(line.Args[0].ToLowerInvariant(), ["check", "release", "block"]);
                throw new CommandException($"'{line.Args[0]}' is not check, release or block{(closest is null ? "" : $" (did you mean '{closest}'?)")}");
        }
    }

    private Task<Reply> Revoke(CommandLine line, string admin, CancellationToken ct)
    {
        var user = FindUser(line.Args[0]);
        if (user.Revoked)
        {
            return Task.FromResult(Reply.Success($"{user.Id} ({user.UserId ?? "no account"}) is revoked already."));
        }

        Task<Reply> Run(CancellationToken token)
        {
            var revoked = revocation.Revoke(user.Id, admin);
            return Task.FromResult(Reply.Success($"Revoked {user.Id} ({revoked?.UserId ?? "no account"}): the account is being locked, logged out everywhere and taken out of every managed room, with retries until done (see 'whois'). The handle stays theirs."));
        }

        return Task.FromResult(Reply.Success($"Revoke {user.Id} ({user.UserId ?? "no account"}, {user.Name})? They will be logged out everywhere and taken out of every managed room. React with ✅ to this message within 5 minutes to go ahead.") with { OnConfirm = Run });
    }

    private Task<Reply> CrossTenant(CommandLine line, string admin, CancellationToken ct)
    {
        var verb = line.Args[0].ToLowerInvariant();
        if (verb == "list")
        {
            var rows = store.CrossTenant.FindAll().Select(p => (IReadOnlyList<string>)p.Id.Split('|')).ToList();
            return Task.FromResult(rows.Count == 0 ? Reply.Success("No tenants share rooms.") : Reply.Table("Tenants whose people may share rooms", ["tenant", "tenant"], rows));
        }

        if (verb is not ("allow" or "deny"))
        {
            var closest = Suggest.Closest(verb, ["allow", "deny", "list"]);
            throw new CommandException($"'{line.Args[0]}' is not allow, deny or list{(closest is null ? "" : $" (did you mean '{closest}'?)")}");
        }

        if (line.Args.Count != 3)
        {
            throw new CommandException($"crosstenant {verb} needs two tenants");
        }

        var (a, b) = (line.Args[1], line.Args[2]);
        foreach (var t in new[] { a, b })
        {
            if (store.Tenants.FindById(t) is null)
            {
                throw new CommandException($"no tenant '{t}' (see 'tenants')");
            }
        }

        if (a == b)
        {
            throw new CommandException("a tenant always shares rooms with itself");
        }

        var pair = CrossTenantDoc.Pair(a, b);
        if (verb == "allow")
        {
            store.CrossTenant.Upsert(new CrossTenantDoc { Id = pair, CreatedAt = DateTime.UtcNow });
        }
        else
        {
            store.CrossTenant.Delete(pair);
        }

        foreach (var room in store.Rooms.Find(r => r.TenantId == a || r.TenantId == b))
        {
            backlog.Enqueue(ReconcileKey.Room(room.Id));
        }

        audit.Record(admin, $"crosstenant {verb}", pair, "ok");
        return Task.FromResult(Reply.Success(verb == "allow"
            ? $"People of {a} and {b} may now be in each other's rooms."
            : $"People of {a} and {b} no longer share rooms; their rooms are being reconciled."));
    }

    /// <summary>A person by Matrix ID, handle or <c>tenant/slug</c>.</summary>
    private UserDoc FindUser(string what)
    {
        UserDoc? user = what[0] == '@' ? store.Users.FindOne(u => u.UserId == what)
            : what.Contains('/', StringComparison.Ordinal) ? store.Users.FindById(what)
            : store.Users.FindOne(u => u.Handle == HandleRules.Fold(what));
        return user ?? throw new CommandException($"nobody is '{what}'");
    }
}
