using System.Text.Json.Nodes;

namespace OpenMeet.Bench.Scale.StandIn;

/// <summary>
/// What the stand-in remembers: rooms and their state, aliases, accounts. One lock: the service sends a
/// few requests at a time (reconciler.parallelism) and each is a dictionary operation.
/// </summary>
public sealed class Homeserver(string serverName)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Room> rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> aliases = new(StringComparer.Ordinal);
    private readonly HashSet<string> accounts = new(StringComparer.Ordinal);
    private long seq;

    public string ServerName { get; } = serverName;
    public string Bot { get; set; } = "";

    public int RoomCount
    {
        get { lock (gate) { return rooms.Count; } }
    }

    public T Read<T>(Func<IReadOnlyDictionary<string, Room>, IReadOnlyDictionary<string, string>, T> read)
    {
        lock (gate)
        {
            return read(rooms, aliases);
        }
    }

    /// <summary>createRoom as Synapse does it for a v12 room: creator joined and outside <c>users</c>,
    /// the preset's state, the overrides, initial_state, name, topic, alias, invites.</summary>
    public (string? RoomId, string? Error) CreateRoom(JsonObject request)
    {
        lock (gate)
        {
            var alias = request["room_alias_name"]?.GetValue<string>() is { } local ? $"#{local}:{ServerName}" : null;
            if (alias is not null && aliases.ContainsKey(alias))
            {
                return (null, "M_ROOM_IN_USE");
            }

            var room = new Room($"!r{rooms.Count + 1}x{Environment.TickCount64 % 100000}:{ServerName}");
            rooms[room.Id] = room;
            var create = (request["creation_content"] as JsonObject)?.DeepClone().AsObject() ?? [];
            create["room_version"] = request["room_version"]?.GetValue<string>() ?? "12";
            Set(room, "m.room.create", "", create);
            Set(room, "m.room.member", Bot, new() { ["membership"] = "join" });
            var levels = new JsonObject
            {
                ["users"] = new JsonObject(), ["users_default"] = 0, ["events_default"] = 0, ["state_default"] = 50,
                ["ban"] = 50, ["kick"] = 50, ["redact"] = 50, ["invite"] = 0,
                ["events"] = new JsonObject { ["m.room.name"] = 50, ["m.room.power_levels"] = 100, ["m.room.history_visibility"] = 100 },
            };
            foreach (var (key, value) in request["power_level_content_override"] as JsonObject ?? [])
            {
                levels[key] = value?.DeepClone();
            }

            Set(room, "m.room.power_levels", "", levels);
            Set(room, "m.room.join_rules", "", new() { ["join_rule"] = "invite" });
            Set(room, "m.room.history_visibility", "", new() { ["history_visibility"] = "shared" });
            Set(room, "m.room.guest_access", "", new() { ["guest_access"] = "can_join" });
            foreach (var state in (request["initial_state"] as JsonArray ?? []).OfType<JsonObject>())
            {
                Set(room, state["type"]!.GetValue<string>(), state["state_key"]?.GetValue<string>() ?? "", state["content"]!.DeepClone().AsObject());
            }

            if (request["name"] is JsonValue name)
            {
                Set(room, "m.room.name", "", new() { ["name"] = name.GetValue<string>() });
            }

            if (request["topic"] is JsonValue topic)
            {
                Set(room, "m.room.topic", "", new() { ["topic"] = topic.GetValue<string>() });
            }

            if (alias is not null)
            {
                aliases[alias] = room.Id;
                Set(room, "m.room.canonical_alias", "", new() { ["alias"] = alias });
            }

            foreach (var invitee in (request["invite"] as JsonArray ?? []).Select(i => i!.GetValue<string>()))
            {
                Set(room, "m.room.member", invitee, new() { ["membership"] = "invite" });
            }

            return (room.Id, null);
        }
    }

    /// <summary>A change to one room; the answer is the HTTP status and errcode (200 and null when done).</summary>
    public (int Status, string? ErrCode) Change(string roomId, Func<Room, (int, string?)> change)
    {
        lock (gate)
        {
            return rooms.TryGetValue(roomId, out var room) ? change(room) : (404, "M_NOT_FOUND");
        }
    }

    public string? StateJson(string roomId)
    {
        lock (gate)
        {
            return rooms.TryGetValue(roomId, out var room) ? new JsonArray([.. room.State.Values.Select(e => e.DeepClone())]).ToJsonString() : null;
        }
    }

    public void Set(Room room, string type, string stateKey, JsonObject content, string? sender = null) =>
        room.Set(type, stateKey, content, sender ?? Bot, Interlocked.Increment(ref seq));

    public long NextEventSeq() => Interlocked.Increment(ref seq);

    public string? ResolveAlias(string alias)
    {
        lock (gate)
        {
            return aliases.GetValueOrDefault(alias);
        }
    }

    public bool SetAlias(string alias, string? roomId)
    {
        lock (gate)
        {
            return roomId is null ? aliases.Remove(alias) : aliases.TryAdd(alias, roomId);
        }
    }

    public bool RoomExists(string roomId)
    {
        lock (gate)
        {
            return rooms.ContainsKey(roomId);
        }
    }

    /// <summary>Adds the account; false if it was there already.</summary>
    public bool AddAccount(string userId)
    {
        lock (gate)
        {
            return accounts.Add(userId);
        }
    }

    public bool HasAccount(string userId)
    {
        lock (gate)
        {
            return accounts.Contains(userId);
        }
    }
}
