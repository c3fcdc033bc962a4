using System.Text.Json.Nodes;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// The createRoom request for a managed room: room version 12 with the bot as creator (so it can
/// always demote whoever it promoted), and as much of the desired state as createRoom takes, so a new
/// room costs few events. Members are invited afterwards by the plan, which checks their tenant.
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
            ["power_level_content_override"] = new JsonObject
            {
                ["users"] = new JsonObject(d.Members.Where(m => m.Value != 0 && m.Key != d.BotUserId)
                    .OrderBy(m => m.Key, StringComparer.Ordinal)
                    .Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value)))),
            },
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

    private static JsonObject State(string type, JsonObject content, string stateKey = "") =>
        new() { ["type"] = type, ["state_key"] = stateKey, ["content"] = content };
}
