using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// What a room looks like in Matrix: the state the reconciler cares about. Immutable;
/// <see cref="Apply(RoomAction)"/> gives the room after an action, which is both how the cache follows
/// our own writes and how tests check that a plan reaches its goal. Kept compact, since the cache holds
/// many: a membership is one shared string per person (not an event), the other tracked events are
/// plain <see cref="JsonObject"/>s that hold no buffer of the response they came from, and the
/// creators are read once.
/// </summary>
public sealed record ObservedRoom
{
    public static readonly ImmutableHashSet<string> TrackedTypes =
    [
        "m.room.create", "m.room.name", "m.room.topic", "m.room.join_rules", "m.room.canonical_alias",
        "m.room.power_levels", "m.room.member", "m.space.child", "m.space.parent", "m.room.encryption",
        RoomState.ClosedType,
    ];

    private static readonly ImmutableDictionary<(string, string), JsonObject> NoState = ImmutableDictionary<(string, string), JsonObject>.Empty;
    private static readonly ImmutableDictionary<string, string> NoMembers = ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);

    private ObservedRoom(string roomId, ImmutableDictionary<(string Type, string StateKey), JsonObject> state, ImmutableDictionary<string, string> memberships, ImmutableHashSet<string> creators)
    {
        RoomId = roomId;
        State = state;
        Memberships = memberships;
        Creators = creators;
    }

    public static ObservedRoom Empty(string roomId) => new(roomId, NoState, NoMembers, []);

    public string RoomId { get; }

    /// <summary>Every tracked event but memberships, keyed by (type, state_key).</summary>
    public ImmutableDictionary<(string Type, string StateKey), JsonObject> State { get; private init; }

    /// <summary>Matrix ID → membership (<c>join</c>, <c>invite</c>, <c>leave</c>, <c>ban</c>, <c>knock</c>).</summary>
    public ImmutableDictionary<string, string> Memberships { get; private init; }

    /// <summary>The room's creators: the sender of m.room.create and, in room v12, its additional_creators.</summary>
    public ImmutableHashSet<string> Creators { get; private init; }

    public JsonObject? Get(string type, string stateKey = "") => State.GetValueOrDefault((type, stateKey));

    public string? Name => Text(Get("m.room.name"), "name");
    public string? Topic => Text(Get("m.room.topic"), "topic");
    public string? CanonicalAlias => Text(Get("m.room.canonical_alias"), "alias");
    public JsonObject PowerLevels => Get("m.room.power_levels") ?? [];
    public bool IsClosed => Get(RoomState.ClosedType)?["closed"]?.GetValue<bool>() == true;

    public string Membership(string userId) => Memberships.GetValueOrDefault(userId, "leave");

    public IEnumerable<(string UserId, string Membership)> Members => Memberships.Select(kv => (kv.Key, kv.Value));

    public IEnumerable<string> SpaceChildren =>
        State.Where(kv => kv.Key.Type == "m.space.child" && kv.Value.Count > 0).Select(kv => kv.Key.StateKey);

    /// <summary>The room with one state event set; the content is kept as given (callers pass their own copy).</summary>
    public ObservedRoom With(string type, string stateKey, JsonObject content) => type switch
    {
        "m.room.member" => this with { Memberships = Memberships.SetItem(stateKey, Shared(Text(content, "membership"))) },
        "m.room.create" => this with { State = State.SetItem((type, stateKey), content), Creators = CreatorsOf(content) },
        _ => this with { State = State.SetItem((type, stateKey), content) },
    };

    public ObservedRoom Apply(RoomAction action) => action switch
    {
        SetState s => With(s.Type, s.StateKey, Compact(s.Content)),
        Invite i => WithMember(i.UserId, "invite"),
        ForceJoin j => WithMember(j.UserId, "join"),
        JoinBot j => WithMember(j.UserId, "join"),
        Kick k => WithMember(k.UserId, "leave"),
        _ => this,
    };

    public ObservedRoom Apply(IEnumerable<RoomAction> actions) => actions.Aggregate(this, (room, a) => room.Apply(a));

    private ObservedRoom WithMember(string userId, string membership) => this with { Memberships = Memberships.SetItem(userId, membership) };

    /// <summary>A power level as Matrix writes them (an integer; a larger or fractional number is bounded), or null.</summary>
    public static int? Level(JsonNode? node) => node is JsonValue v
        ? v.TryGetValue<int>(out var i) ? i : v.TryGetValue<long>(out var l) ? (int)Math.Clamp(l, int.MinValue, int.MaxValue) : v.TryGetValue<double>(out var f) ? (int)Math.Clamp(f, int.MinValue, int.MaxValue) : null
        : null;

    public static string? Text(JsonObject? content, string key) =>
        content?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>
    /// A copy of the content made of plain values. A node parsed from a response keeps that whole
    /// response's buffer alive for as long as any of its values is referenced; the cache must not.
    /// </summary>
    public static JsonObject Compact(JsonObject content) => (JsonObject)CompactNode(content)!;

    private static JsonNode? CompactNode(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, CompactNode(kv.Value)))),
        JsonArray a => new JsonArray([.. a.Select(CompactNode)]),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => JsonValue.Create(v.GetValue<string>()),
            JsonValueKind.True => JsonValue.Create(true),
            JsonValueKind.False => JsonValue.Create(false),
            JsonValueKind.Number => long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? l is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)l) : JsonValue.Create(l)
                : JsonValue.Create(double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)),
            _ => null,
        },
        _ => null,
    };

    // The few memberships there are, as the same string instances for every person.
    private static string Shared(string? membership) => membership switch
    {
        "join" => "join",
        "invite" => "invite",
        "ban" => "ban",
        "knock" => "knock",
        _ => "leave",
    };

    private static ImmutableHashSet<string> CreatorsOf(JsonObject create)
    {
        var creators = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        if (Text(create, RoomState.SenderKey) is { } sender)
        {
            creators.Add(sender);
        }

        foreach (var extra in create["additional_creators"] as JsonArray ?? [])
        {
            if (extra?.GetValueKind() == JsonValueKind.String)
            {
                creators.Add(extra.GetValue<string>());
            }
        }

        return creators.ToImmutable();
    }
}
