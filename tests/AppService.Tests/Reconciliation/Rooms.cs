using System.Collections.Immutable;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Tests.Reconciliation;

/// <summary>Builders for planner inputs.</summary>
internal static class Rooms
{
    public const string Bot = "@openmeet-bot:hs.test";
    public const string Space = "!space:hs.test";

    public static DesiredRoom Desired(params (string User, int Level)[] members) => new()
    {
        BotUserId = Bot,
        ServerName = "hs.test",
        TenantId = "t1",
        Kind = RoomKind.Event,
        Name = "Summer party",
        Topic = "Bring snacks",
        Alias = "#openmeet_t1.event.summer:hs.test",
        SpaceRoomId = Space,
        Public = false,
        Members = members.ToImmutableDictionary(m => m.User, m => m.Level),
        TenantOf = members.ToImmutableDictionary(m => m.User, _ => "t1"),
    };

    /// <summary>A room the bot created (v12: the creator is not in the power levels) and nothing else.</summary>
    public static ObservedRoom Created(string roomId = "!room:hs.test") => ObservedRoom.Empty(roomId)
        .With("m.room.create", "", new() { ["room_version"] = "12", [RoomState.SenderKey] = Bot })
        .With("m.room.member", Bot, new() { ["membership"] = "join" })
        .With("m.room.power_levels", "", new()
        {
            ["users"] = new JsonObject(),
            ["users_default"] = 0,
            ["events_default"] = 0,
            ["state_default"] = 50,
            ["ban"] = 50,
            ["kick"] = 50,
            ["invite"] = 0,
            ["events"] = new JsonObject { ["m.room.name"] = 50 },
        });

    public static ObservedRoom Converged(DesiredRoom desired) => Created().Apply(Planner.Plan(desired, Created()).Actions);

    public static ObservedRoom Joined(this ObservedRoom room, string user) =>
        room.With("m.room.member", user, new() { ["membership"] = "join" });

    public static ObservedRoom Levels(this ObservedRoom room, params (string User, int Level)[] users)
    {
        var content = (JsonObject)room.PowerLevels.DeepClone();
        content["users"] = new JsonObject(users.Select(u => KeyValuePair.Create(u.User, (JsonNode?)JsonValue.Create(u.Level))));
        return room.With("m.room.power_levels", "", content);
    }
}
