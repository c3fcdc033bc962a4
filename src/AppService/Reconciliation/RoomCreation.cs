using System.Text.Json.Nodes;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// The createRoom request for a managed room: room version 12 with the bot as creator (so it can
/// always demote whoever it promoted), and as much of the desired state as createRoom takes (settings,
/// every power level, the invites of an event or group room), so a new room costs one request. The
/// power levels are sent whole, every field Synapse would otherwise fill from its defaults and from
/// <c>default_power_level_content_override</c>, so the room holds exactly what was asked for and
/// <see cref="Made"/> is what the room holds, without reading it back.
/// </summary>
public static class RoomCreation
{
    public static JsonObject Request(DesiredRoom d, RoomAliases aliases, RoomDoc room, EncryptionConfig encryption)
    {
        var initialState = new JsonArray
        {
            State("m.room.history_visibility", new() { ["history_visibility"] = "shared" }),
            State("m.room.guest_access", new() { ["guest_access"] = "forbidden" }),
            State("m.room.join_rules", d.JoinRules),
        };
        if (room.Kind switch { RoomKind.Event => encryption.Event, RoomKind.Group => encryption.Group, RoomKind.Dm => encryption.Dm, _ => false })
        {
            initialState.Add(State("m.room.encryption", new() { ["algorithm"] = "m.megolm.v1.aes-sha2" }));
        }

        if (d.SpaceRoomId is { } space)
        {
            initialState.Add(State("m.space.parent", new() { ["via"] = new JsonArray(d.ServerName), ["canonical"] = true }, space));
        }

        var request = new JsonObject
        {
            ["room_version"] = "12",
            ["preset"] = "private_chat",
            ["visibility"] = "private",
            ["initial_state"] = initialState,
            ["power_level_content_override"] = PowerLevels(d),
        };
        if (d.Name is not null)
        {
            request["name"] = d.Name;
        }

        if (d.Topic is not null)
        {
            request["topic"] = d.Topic;
        }

        if (room.Kind is RoomKind.Event or RoomKind.Group)
        {
            request["room_alias_name"] = aliases.Localpart(room.TenantId, room.Kind, room.Slug);
        }

        if (room.Kind == RoomKind.Space)
        {
            request["creation_content"] = new JsonObject { ["type"] = "m.space" };
        }

        if (room.Kind == RoomKind.Dm)
        {
            request["is_direct"] = true;
        }

        return request;
    }

    /// <summary>The request with these people invited by createRoom itself.</summary>
    public static void AddInvites(JsonObject request, IEnumerable<string> users)
    {
        var invited = users.Order(StringComparer.Ordinal).Select(u => (JsonNode?)JsonValue.Create(u)).ToArray();
        if (invited.Length > 0)
        {
            request["invite"] = new JsonArray(invited);
        }
    }

    /// <summary>The room that <paramref name="request"/> makes, as the cache keeps it.</summary>
    public static ObservedRoom Made(string roomId, JsonObject request, string botUserId, string serverName)
    {
        var create = new JsonObject { ["room_version"] = ObservedRoom.Text(request, "room_version"), [RoomState.SenderKey] = botUserId };
        if (request["creation_content"] is JsonObject { } content && ObservedRoom.Text(content, "type") is { } type)
        {
            create["type"] = type;
        }

        var room = ObservedRoom.Empty(roomId)
            .With("m.room.create", "", create)
            .With("m.room.member", botUserId, new() { ["membership"] = "join" })
            .With("m.room.power_levels", "", ObservedRoom.Compact((JsonObject)request["power_level_content_override"]!));
        if (ObservedRoom.Text(request, "room_alias_name") is { } alias)
        {
            room = room.With("m.room.canonical_alias", "", new() { ["alias"] = $"#{alias}:{serverName}" });
        }

        foreach (var state in request["initial_state"]!.AsArray().OfType<JsonObject>().Where(s => ObservedRoom.TrackedTypes.Contains(ObservedRoom.Text(s, "type")!)))
        {
            room = room.With(ObservedRoom.Text(state, "type")!, ObservedRoom.Text(state, "state_key")!, ObservedRoom.Compact((JsonObject)state["content"]!));
        }

        if (ObservedRoom.Text(request, "name") is { } name)
        {
            room = room.With("m.room.name", "", new() { ["name"] = name });
        }

        if (ObservedRoom.Text(request, "topic") is { } topic)
        {
            room = room.With("m.room.topic", "", new() { ["topic"] = topic });
        }

        foreach (var invitee in request["invite"]?.AsArray() ?? [])
        {
            room = room.With("m.room.member", invitee!.GetValue<string>(), new() { ["membership"] = "invite" });
        }

        return room;
    }

    // Synapse's defaults for a private_chat room of version 12 (the creator, our bot, is above them all
    // and not listed), with the members' levels.
    private static JsonObject PowerLevels(DesiredRoom d) => new()
    {
        ["users"] = new JsonObject(d.EffectiveMembers.Where(m => m.Value != 0 && m.Key != d.BotUserId)
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value)))),
        ["users_default"] = 0,
        ["events"] = new JsonObject
        {
            ["m.room.name"] = 50,
            ["m.room.power_levels"] = 100,
            ["m.room.history_visibility"] = 100,
            ["m.room.canonical_alias"] = 50,
            ["m.room.avatar"] = 50,
            ["m.room.tombstone"] = 150,
            ["m.room.server_acl"] = 100,
            ["m.room.encryption"] = 100,
        },
        ["events_default"] = 0,
        ["state_default"] = 50,
        ["ban"] = 50,
        ["kick"] = 50,
        ["redact"] = 50,
        ["invite"] = 0,
        ["historical"] = 100,
    };

    private static JsonObject State(string type, JsonObject content, string stateKey = "") =>
        new() { ["type"] = type, ["state_key"] = stateKey, ["content"] = content };
}
