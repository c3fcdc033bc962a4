using System.Text.Json.Nodes;
using OpenMeet.Bench.Scale.StandIn;

namespace OpenMeet.Bench.Scale.Driver;

/// <summary>
/// Whether the stand-in's rooms are what the desired state asks for, read from the stand-in itself (not
/// from the service, whose room reports would cost a plan per room): every entity room exists under its
/// alias with its name and join rule, every member invited or joined with the level of their role; every
/// tenant's space has all its people and all its rooms as children.
/// </summary>
public static class Convergence
{
    public sealed record Progress(int RoomsDone, int RoomsTotal, int SpacesDone, int SpacesTotal)
    {
        public bool Done => RoomsDone == RoomsTotal && SpacesDone == SpacesTotal;

        public override string ToString() => $"{RoomsDone:N0}/{RoomsTotal:N0} rooms, {SpacesDone}/{SpacesTotal} spaces converged";
    }

    public static Progress Check(Homeserver hs, DesiredModel model) => hs.Read((rooms, aliases) =>
    {
        var roomIds = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var done = 0;
        foreach (var spec in model.Rooms)
        {
            if (spec.Alias is null || !aliases.TryGetValue(spec.Alias, out var id) || !rooms.TryGetValue(id, out var room))
            {
                continue;
            }

            (roomIds.TryGetValue(spec.Tenant, out var list) ? list : roomIds[spec.Tenant] = []).Add(id);
            if (RoomDone(spec, room))
            {
                done++;
            }
        }

        var spaces = rooms.Values.Where(r => r.Content("m.room.create")?["type"]?.GetValue<string>() == "m.space").ToList();
        var spacesDone = model.Tenants.Count(t => spaces.Any(s => SpaceDone(s, t, model, roomIds.GetValueOrDefault(t) ?? [])));
        return new Progress(done, model.Rooms.Count, spacesDone, model.Tenants.Count);
    });

    private static bool RoomDone(RoomSpec spec, Room room)
    {
        var users = room.Content("m.room.power_levels")?["users"] as JsonObject ?? [];
        return room.Content("m.room.name")?["name"]?.GetValue<string>() == spec.Name
            && room.Content("m.room.join_rules")?["join_rule"]?.GetValue<string>() == (spec.Public ? "restricted" : "invite")
            && spec.Members.All(m => room.Membership(m.User.MatrixId) is "invite" or "join"
                && (users[m.User.MatrixId]?.GetValue<int>() ?? 0) == m.Level);
    }

    private static bool SpaceDone(Room space, string tenant, DesiredModel model, List<string> children) =>
        space.Content("m.room.name")?["name"]?.GetValue<string>() == DesiredModel.TenantName(tenant)
        && model.Users.Where(u => u.Tenant == tenant).All(u => space.Membership(u.MatrixId) is "invite" or "join")
        && children.All(c => space.Content("m.space.child", c) is { Count: > 0 });
}
