using System.Collections.Immutable;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Reconciliation;

namespace OpenMeet.AppService.Tests.Reconciliation;

/// <summary>Properties of the planner over many random rooms (seeded, so a failure repeats).</summary>
public sealed class PlannerPropertyTests
{
    private const int Cases = 2000;
    private static readonly string[] People = [.. Enumerable.Range(0, 8).Select(i => $"@p{i}:hs.test")];
    private static readonly int[] Levels = [0, 0, 25, 50, 75, 100];
    private static readonly string[] Memberships = ["none", "join", "invite", "leave", "ban"];

    private static (DesiredRoom Desired, ObservedRoom Observed) RandomRoom(Random r)
    {
        var tenantOf = People.Where(_ => r.Next(6) > 0).ToImmutableDictionary(p => p, _ => r.Next(3) == 0 ? "t2" : "t1");
        var desired = Rooms.Desired() with
        {
            Members = People.Where(_ => r.Next(2) == 0).ToImmutableDictionary(p => p, _ => Levels[r.Next(Levels.Length)]),
            NoInvite = [.. People.Where(_ => r.Next(5) == 0)],
            TenantOf = tenantOf,
            AllowedTenants = r.Next(4) == 0 ? ["t2"] : [],
            Strict = r.Next(2) == 0,
            Closed = r.Next(6) == 0,
            Public = r.Next(2) == 0,
            Name = r.Next(3) == 0 ? "Other name" : "Summer party",
            Topic = r.Next(3) == 0 ? null : "Bring snacks",
            ForceJoin = r.Next(5) == 0,
        };

        var botIsCreator = r.Next(10) < 7;
        var room = ObservedRoom.Empty("!r:hs.test")
            .With("m.room.create", "", new() { [RoomState.SenderKey] = botIsCreator ? Rooms.Bot : "@founder:hs.test" })
            .With("m.room.member", Rooms.Bot, new() { ["membership"] = r.Next(10) == 0 ? "leave" : "join" });
        if (r.Next(2) == 0)
        {
            room = room.With("m.room.name", "", new() { ["name"] = "Summer party" });
        }

        foreach (var person in People)
        {
            var membership = Memberships[r.Next(Memberships.Length)];
            if (membership != "none")
            {
                room = room.With("m.room.member", person, new() { ["membership"] = membership });
            }
        }

        var users = new JsonObject();
        foreach (var person in People.Where(_ => r.Next(3) == 0))
        {
            users[person] = Levels[r.Next(Levels.Length)];
        }

        if (!botIsCreator)
        {
            users[Rooms.Bot] = new[] { 50, 75, 100 }[r.Next(3)];
            users["@founder:hs.test"] = 100;
        }

        room = room.With("m.room.power_levels", "", new() { ["users"] = users, ["users_default"] = 0, ["state_default"] = 50, ["kick"] = 50 });
        return (desired, room);
    }

    private static void ForEachRoom(Action<DesiredRoom, ObservedRoom, Plan> check)
    {
        for (var seed = 0; seed < Cases; seed++)
        {
            var (desired, observed) = RandomRoom(new Random(seed));
            var plan = Planner.Plan(desired, observed);
            try
            {
                check(desired, observed, plan);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"seed {seed}: {e.Message}", e);
            }
        }
    }

    private static int Level(JsonObject powerLevels, string user) =>
        powerLevels["users"]?[user]?.GetValue<int>() ?? powerLevels["users_default"]?.GetValue<int>() ?? 0;

    [Fact]
    public void PlanningAgainstTheRoomThePlanProducesGivesNoActions()
    {
        ForEachRoom((desired, observed, plan) =>
            Planner.Plan(desired, observed.Apply(plan.Actions)).Actions.Should().BeEmpty());
    }

    [Fact]
    public void APlanNeverInvitesAPersonOfAnotherTenant()
    {
        ForEachRoom((desired, _, plan) =>
        {
            foreach (var user in plan.Actions.OfType<Invite>().Select(i => i.UserId).Concat(plan.Actions.OfType<ForceJoin>().Select(j => j.UserId)))
            {
                desired.TenantOf.Should().ContainKey(user);
                (desired.TenantOf[user] == desired.TenantId || desired.AllowedTenants.Contains(desired.TenantOf[user])).Should().BeTrue();
            }
        });
    }

    [Fact]
    public void TheBotsOwnLevelIsNeverLowered()
    {
        ForEachRoom((_, observed, plan) =>
        {
            foreach (var levels in plan.Actions.OfType<SetState>().Where(a => a.Type == "m.room.power_levels"))
            {
                Level(levels.Content, Rooms.Bot).Should().BeGreaterThanOrEqualTo(Level(observed.PowerLevels, Rooms.Bot));
            }
        });
    }

    [Fact]
    public void EveryPowerLevelChangeIsOneTheBotMayMake()
    {
        ForEachRoom((_, observed, plan) =>
        {
            var botLevel = observed.Creators.Contains(Rooms.Bot) ? int.MaxValue : Level(observed.PowerLevels, Rooms.Bot);
            foreach (var levels in plan.Actions.OfType<SetState>().Where(a => a.Type == "m.room.power_levels"))
            {
                foreach (var user in People.Append("@founder:hs.test"))
                {
                    var before = Level(observed.PowerLevels, user);
                    var after = Level(levels.Content, user);
                    if (before != after)
                    {
                        before.Should().BeLessThan(botLevel, $"{user} was below the bot");
                        after.Should().BeLessThanOrEqualTo(botLevel, $"{user} is not raised above the bot");
                    }
                }
            }
        });
    }

    [Fact]
    public void AtMostOnePowerLevelEventPerPlan()
    {
        ForEachRoom((_, _, plan) => plan.Actions.OfType<SetState>().Count(a => a.Type == "m.room.power_levels").Should().BeLessThanOrEqualTo(1));
    }

    [Fact]
    public void ClosedRoomsEndEmptyOfEveryoneButTheBotAndCreators()
    {
        ForEachRoom((desired, observed, plan) =>
        {
            if (desired.Closed)
            {
                var after = observed.Apply(plan.Actions);
                after.Membership(Rooms.Bot).Should().Be("join");
                after.Members.Where(m => m.Membership is "join" or "invite").Select(m => m.UserId)
                    .Except(observed.Creators).Except([Rooms.Bot]).Should().BeEmpty();
            }
        });
    }
}
