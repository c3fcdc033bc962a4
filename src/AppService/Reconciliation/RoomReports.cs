using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>A room as OpenMeet wants it, as Matrix has it, and what differs (the pending plan).</summary>
public static class RoomReports
{
    public static async Task<RoomReport> BuildAsync(RoomDoc room, Reconciler reconciler, RoomAliases aliases, Store store, CancellationToken ct)
    {
        var (desired, observed, plan) = await reconciler.PreviewAsync(room, ct);
        // Members with a handle whose account is still being made: the room is not what it should be yet.
        var waiting = store.Members.Find(m => m.RoomKey == room.Id)
            .Select(m => store.Users.FindById(m.UserKey))
            .Where(u => u is { Handle: not null, UserId: null, Revoked: false })
            .Select(u => $"waiting for the Matrix account of {u!.Id}")
            .ToList();
        var state = room.Deleted && room.Status == RoomStatus.Closed ? "closed"
            : room.Status == RoomStatus.Failed ? "failed"
            : room.RoomId is null || !plan.IsEmpty || waiting.Count > 0 || room.Status == RoomStatus.Pending ? "pending"
            : room.Status == RoomStatus.Closed ? "closed"
            : "ready";
        return new RoomReport(
            room.RoomId,
            room.Kind is RoomKind.Event or RoomKind.Group ? aliases.For(room.TenantId, room.Kind, room.Slug) : null,
            state,
            desired is null ? null : View(desired),
            observed is null ? null : View(observed),
            [.. plan.Actions.Select(a => a.Describe()), .. plan.Unfixable, .. waiting],
            room.LastReconciledAt,
            room.LastError);
    }

    private static RoomView View(DesiredRoom d) => new(
        d.Name,
        d.Topic,
        d.Closed ? null : d.Alias,
        ObservedRoom.Text(d.JoinRules, "join_rule"),
        d.Closed,
        d.EffectiveMembers.Where(m => m.Value != 0).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
        d.EffectiveMembers.Keys.ToDictionary(u => u, u => d.NoInvite.Contains(u) ? "left" : "member", StringComparer.Ordinal));

    private static RoomView View(ObservedRoom o) => new(
        o.Name,
        o.Topic,
        o.CanonicalAlias,
        ObservedRoom.Text(o.Get("m.room.join_rules"), "join_rule"),
        o.IsClosed,
        (o.PowerLevels["users"]?.AsObject() ?? []).ToDictionary(kv => kv.Key, kv => ObservedRoom.Level(kv.Value) ?? 0, StringComparer.Ordinal),
        o.Members.Where(m => m.Membership != "leave").ToDictionary(m => m.UserId, m => m.Membership, StringComparer.Ordinal));
}
