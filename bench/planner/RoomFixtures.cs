using System.Collections.Immutable;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.Bench.Planning;

/// <summary>
/// Planner inputs for one event room of a given size, shaped like the service builds them: members with
/// roles (1 host, 1% moderators, 2% speakers, the rest participants), everyone of one tenant, the bot the
/// room's creator (room v12), power levels as createRoom leaves them.
/// </summary>
public static class RoomFixtures
{
    public const string Bot = "@openmeet-bot:bench.test";
    public const string Space = "!space:bench.test";

    public static string User(int i) => $"@person.{i:D6}:bench.test";

    public static int Level(int i) => i == 0 ? 100 : i % 100 == 1 ? 50 : i % 50 == 2 ? 25 : 0;

    /// <summary>Members <paramref name="from"/> to <paramref name="to"/> (exclusive) with their roles' levels,
    /// and the tenant of everyone up to <paramref name="known"/> (the people the service knows).</summary>
    public static DesiredRoom Desired(int from, int to, int known, Func<int, int>? level = null) => new()
    {
        BotUserId = Bot,
        ServerName = "bench.test",
        TenantId = "t1",
        Kind = RoomKind.Event,
        Name = "Annual meetup",
        Topic = "Talks, then dinner",
        Alias = "#openmeet_t1.event.annual-meetup:bench.test",
        SpaceRoomId = Space,
        Public = true,
        Members = Enumerable.Range(from, to - from).ToImmutableDictionary(User, level ?? Level, StringComparer.Ordinal),
        TenantOf = Enumerable.Range(0, known).ToImmutableDictionary(User, _ => "t1", StringComparer.Ordinal),
    };

    /// <summary>A room the bot has just created: what <c>createRoom</c> leaves, before any member.</summary>
    public static ObservedRoom Created() => ObservedRoom.Empty("!room:bench.test")
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
            ["redact"] = 50,
            ["events"] = new JsonObject { ["m.room.name"] = 50, ["m.room.power_levels"] = 100 },
        });

    /// <summary>The room after its plan ran, with every invite accepted (members joined).</summary>
    public static ObservedRoom Converged(DesiredRoom desired)
    {
        var room = Created().Apply(Planner.Plan(desired, Created()).Actions);
        foreach (var user in desired.Members.Keys)
        {
            room = room.With("m.room.member", user, new() { ["membership"] = "join" });
        }

        return room;
    }
}
