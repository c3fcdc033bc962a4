using System.Text.Json.Nodes;

namespace OpenMeet.Bench.Scale.StandIn;

/// <summary>One room of the stand-in: its current state events, keyed by (type, state_key).</summary>
public sealed class Room(string id)
{
    public string Id { get; } = id;
    public Dictionary<(string Type, string StateKey), JsonObject> State { get; } = [];

    public JsonObject? Content(string type, string stateKey = "") => State.GetValueOrDefault((type, stateKey))?["content"] as JsonObject;

    public string? Membership(string userId) => Content("m.room.member", userId)?["membership"]?.GetValue<string>();

    public void Set(string type, string stateKey, JsonObject content, string sender, long seq) => State[(type, stateKey)] = new JsonObject
    {
        ["type"] = type,
        ["state_key"] = stateKey,
        ["sender"] = sender,
        ["content"] = content,
        ["room_id"] = Id,
        ["event_id"] = $"$ev{seq}",
        ["origin_server_ts"] = 1_700_000_000_000 + seq,
    };
}
