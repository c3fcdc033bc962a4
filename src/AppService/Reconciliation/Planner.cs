using System.Text.Json.Nodes;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Desired + observed → the actions that close the gap. A pure function: no I/O, no clock, and
/// planning against the room its plan produces gives no actions. Power levels go out as one event
/// that keeps every field but <c>users</c>, and only with changes the bot is allowed to make.
/// </summary>
public static class Planner
{
    public static Plan Plan(DesiredRoom desired, ObservedRoom observed)
    {
        var actions = new List<RoomAction>();
        var unfixable = new List<string>();

        if (observed.Membership(desired.BotUserId) != "join")
        {
            actions.Add(new JoinBot(desired.BotUserId));
        }

        RoomDetails(desired, observed, actions);
        PowerLevels(desired, observed, actions, unfixable);
        Membership(desired, observed, actions, unfixable);
        return new Plan(actions, unfixable);
    }

    private static void RoomDetails(DesiredRoom d, ObservedRoom o, List<RoomAction> actions)
    {
        if (d.Name is not null && o.Name != d.Name)
        {
            actions.Add(new SetState("m.room.name", "", new() { ["name"] = d.Name }, $"name '{d.Name}'"));
        }

        if ((o.Topic ?? "") != (d.Topic ?? ""))
        {
            actions.Add(new SetState("m.room.topic", "", new() { ["topic"] = d.Topic ?? "" }, "topic from OpenMeet"));
        }

        var rules = d.JoinRules;
        if (!SameJoinRules(rules, o.Get("m.room.join_rules")))
        {
            actions.Add(new SetState("m.room.join_rules", "", rules, $"join rule {rules["join_rule"]}"));
        }

        var alias = d.Closed ? null : d.Alias;
        if (o.CanonicalAlias != alias)
        {
            actions.Add(new SetState("m.room.canonical_alias", "", alias is null ? [] : new() { ["alias"] = alias },
                alias is null ? "no alias" : $"alias {alias}"));
            if (alias is null && o.CanonicalAlias is { } old)
            {
                actions.Add(new RemoveAlias(old));
            }
        }

        if (d.SpaceRoomId is { } space && d.Kind != State.RoomKind.Space && !d.Closed && o.Get("m.space.parent", space) is not { Count: > 0 })
        {
            actions.Add(new SetState("m.space.parent", space, new() { ["via"] = Via(d), ["canonical"] = true }, "child of the tenant's space"));
        }

        if (d.Kind == State.RoomKind.Space)
        {
            var current = o.SpaceChildren.ToHashSet();
            foreach (var child in d.SpaceChildren.Where(c => !current.Contains(c)).Order(StringComparer.Ordinal))
            {
                actions.Add(new SetState("m.space.child", child, new() { ["via"] = Via(d) }, "room of this tenant"));
            }

            foreach (var stale in current.Where(c => !d.SpaceChildren.Contains(c)).Order(StringComparer.Ordinal))
            {
                actions.Add(new SetState("m.space.child", stale, [], "no longer a room of this tenant"));
            }
        }

        if (d.Closed != o.IsClosed)
        {
            actions.Add(d.Closed
                ? new SetState(RoomState.ClosedType, "", new() { ["closed"] = true }, "the OpenMeet entity was deleted")
                : new SetState(RoomState.ClosedType, "", [], "the OpenMeet entity exists again"));
        }
    }

    // Only the users whose level is not the default are compared: those listed now and those who
    // should be listed (a room of 5,000 members has some dozens of either).
    private static void PowerLevels(DesiredRoom d, ObservedRoom o, List<RoomAction> actions, List<string> unfixable)
    {
        var content = o.PowerLevels;
        var users = content["users"] as JsonObject ?? [];
        var usersDefault = ObservedRoom.Level(content["users_default"]) ?? 0;
        var creators = o.Creators;
        var botLevel = creators.Contains(d.BotUserId) ? int.MaxValue : ObservedRoom.Level(users[d.BotUserId]) ?? usersDefault;

        var current = new Dictionary<string, int>(users.Count, StringComparer.Ordinal);
        foreach (var (user, level) in users)
        {
            current[user] = ObservedRoom.Level(level) ?? usersDefault;
        }

        // Who should be listed: the bot and the creators as they are, the members at their levels.
        var wanted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (user, level) in current.Where(kv => kv.Key == d.BotUserId || creators.Contains(kv.Key)))
        {
            wanted[user] = level;
        }

        foreach (var (user, level) in d.EffectiveMembers)
        {
            if (level != usersDefault && user != d.BotUserId && !creators.Contains(user))
            {
                wanted[user] = level;
            }
        }

        var changed = false;
        var next = new Dictionary<string, int>(current, StringComparer.Ordinal);
        foreach (var user in current.Keys.Union(wanted.Keys).Order(StringComparer.Ordinal))
        {
            var before = current.GetValueOrDefault(user, usersDefault);
            var after = wanted.GetValueOrDefault(user, usersDefault);
            if (before == after)
            {
                continue;
            }

            if (user != d.BotUserId && (before >= botLevel || after > botLevel))
            {
                unfixable.Add($"power level of {user} is {before}, should be {after}: the bot (level {botLevel}) may not change it");
                continue;
            }

            changed = true;
            if (after == usersDefault)
            {
                next.Remove(user);
            }
            else
            {
                next[user] = after;
            }
        }

        if (changed)
        {
            var updated = (JsonObject)content.DeepClone();
            updated["users"] = new JsonObject(next.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
            actions.Add(new SetState("m.room.power_levels", "", updated, "levels from OpenMeet roles"));
        }
    }

    // Each member and each person in the room is looked at once; only the actions are sorted.
    private static void Membership(DesiredRoom d, ObservedRoom o, List<RoomAction> actions, List<string> unfixable)
    {
        var members = d.EffectiveMembers;
        var enter = new List<string>();
        var notInvited = new List<(string User, string Why)>();
        foreach (var user in members.Keys)
        {
            var membership = o.Membership(user);
            if (user == d.BotUserId || membership is "join" or "invite" || d.NoInvite.Contains(user))
            {
                continue;
            }

            if (!MayBeIn(d, user))
            {
                notInvited.Add((user, $"{user} is a member in OpenMeet but not of tenant {d.TenantId}: not invited"));
            }
            else if (membership == "ban")
            {
                notInvited.Add((user, $"{user} is banned from the room; a moderator must lift the ban"));
            }
            else
            {
                enter.Add(user);
            }
        }

        enter.Sort(StringComparer.Ordinal);
        actions.AddRange(enter.Select(user => d.ForceJoin ? new ForceJoin(user) : (RoomAction)new Invite(user)));
        unfixable.AddRange(notInvited.OrderBy(n => n.User, StringComparer.Ordinal).Select(n => n.Why));

        var creators = o.Creators;
        var kicks = new List<Kick>();
        foreach (var (user, membership) in o.Memberships)
        {
            if (membership is not ("join" or "invite") || user == d.BotUserId || creators.Contains(user) || members.ContainsKey(user))
            {
                continue;
            }

            var reason = d.Closed ? "this room is closed: its OpenMeet entity was deleted"
                : !MayBeIn(d, user) ? "not a person of this OpenMeet tenant"
                : d.Strict ? "not a member of this in OpenMeet"
                : null;
            if (reason is not null)
            {
                kicks.Add(new Kick(user, reason));
            }
        }

        actions.AddRange(kicks.OrderBy(k => k.UserId, StringComparer.Ordinal));
    }

    private static bool MayBeIn(DesiredRoom d, string user) =>
        d.TenantOf.TryGetValue(user, out var tenant) && (tenant == d.TenantId || d.AllowedTenants.Contains(tenant));

    private static bool SameJoinRules(JsonObject wanted, JsonObject? actual)
    {
        if (actual is null || ObservedRoom.Text(actual, "join_rule") != ObservedRoom.Text(wanted, "join_rule"))
        {
            return false;
        }

        static string Allowed(JsonObject rules) => string.Join(",", (rules["allow"] as JsonArray ?? [])
            .Select(a => a is JsonObject o ? $"{ObservedRoom.Text(o, "type")}:{ObservedRoom.Text(o, "room_id")}" : "?").Order(StringComparer.Ordinal));

        return Allowed(wanted) == Allowed(actual);
    }

    private static JsonArray Via(DesiredRoom d) => new(JsonValue.Create(d.ServerName));
}
