using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// What a room looks like in Matrix: the state the reconciler cares about, keyed by (type, state_key).
/// Immutable; <see cref="Apply(RoomAction)"/> gives the room after an action, which is both how the
/// cache follows our own writes and how tests check that a plan reaches its goal.
/// </summary>
public sealed record ObservedRoom(string RoomId, ImmutableDictionary<(string Type, string StateKey), JsonObject> State)
{
    public static readonly ImmutableHashSet<string> TrackedTypes =
    [
        "m.room.create", "m.room.name", "m.room.topic", "m.room.join_rules", "m.room.canonical_alias",
        "m.room.power_levels", "m.room.member", "m.space.child", "m.space.parent", "m.room.encryption",
        RoomState.ClosedType,
    ];

    public static ObservedRoom Empty(string roomId) => new(roomId, ImmutableDictionary<(string, string), JsonObject>.Empty);

    public JsonObject? Get(string type, string stateKey = "") => State.GetValueOrDefault((type, stateKey));

    public string? Name => Text(Get("m.room.name"), "name");
    public string? Topic => Text(Get("m.room.topic"), "topic");
    public string? CanonicalAlias => Text(Get("m.room.canonical_alias"), "alias");
    public JsonObject PowerLevels => Get("m.room.power_levels") ?? [];
    public bool IsClosed => Get(RoomState.ClosedType)?["closed"]?.GetValue<bool>() == true;

    /// <summary>The room's creators: the sender of m.room.create and, in room v12, its additional_creators.</summary>
    public ImmutableHashSet<string> Creators
    {
        get
        {
            var create = Get("m.room.create");
            var creators = ImmutableHashSet.CreateBuilder<string>();
            if (Text(create, RoomState.SenderKey) is { } sender)
            {
                creators.Add(sender);
            }

            foreach (var extra in create?["additional_creators"]?.AsArray() ?? [])
            {
                if (extra?.GetValueKind() == System.Text.Json.JsonValueKind.String)
                {
                    creators.Add(extra.GetValue<string>());
                }
            }

            return creators.ToImmutable();
        }
    }

    public string Membership(string userId) => Text(Get("m.room.member", userId), "membership") ?? "leave";

    public IEnumerable<(string UserId, string Membership)> Members =>
        State.Where(kv => kv.Key.Type == "m.room.member")
            .Select(kv => (kv.Key.StateKey, Text(kv.Value, "membership") ?? "leave"));

    public IEnumerable<string> SpaceChildren =>
        State.Where(kv => kv.Key.Type == "m.space.child" && kv.Value.Count > 0).Select(kv => kv.Key.StateKey);

    public ObservedRoom With(string type, string stateKey, JsonObject content) =>
        this with { State = State.SetItem((type, stateKey), content) };

    public ObservedRoom Apply(RoomAction action) => action switch
    {
        SetState s => With(s.Type, s.StateKey, (JsonObject)s.Content.DeepClone()),
        Invite i => With("m.room.member", i.UserId, new() { ["membership"] = "invite" }),
        ForceJoin j => With("m.room.member", j.UserId, new() { ["membership"] = "join" }),
        JoinBot j => With("m.room.member", j.UserId, new() { ["membership"] = "join" }),
        Kick k => With("m.room.member", k.UserId, new() { ["membership"] = "leave" }),
        _ => this,
    };

    public ObservedRoom Apply(IEnumerable<RoomAction> actions) => actions.Aggregate(this, (room, a) => room.Apply(a));

    public static string? Text(JsonObject? content, string key) =>
        content?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
