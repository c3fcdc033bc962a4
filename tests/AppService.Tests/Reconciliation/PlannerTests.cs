using System.Collections.Immutable;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Reconciliation;
using static OpenMeet.AppService.Tests.Reconciliation.Rooms;

namespace OpenMeet.AppService.Tests.Reconciliation;

public sealed class PlannerTests
{
    private const string Alice = "@alice:hs.test";
    private const string Bob = "@bob:hs.test";
    private const string Carol = "@carol:hs.test";

    [Fact]
    public void NewRoomGetsItsDetailsThenLevelsThenInvites()
    {
        var plan = Planner.Plan(Desired((Alice, 100), (Bob, 0)), Created());

        plan.Actions.Select(a => a.Describe()).Should().Equal(
            "set m.room.name: name 'Summer party'",
            "set m.room.topic: topic from OpenMeet",
            "set m.room.join_rules: join rule invite",
            "set m.room.canonical_alias: alias #openmeet_t1.event.summer:hs.test",
            "set m.space.parent [!space:hs.test]: child of the tenant's space",
            "set m.room.power_levels: levels from OpenMeet roles",
            "invite @alice:hs.test",
            "invite @bob:hs.test");
        plan.Unfixable.Should().BeEmpty();
    }

    [Fact]
    public void ConvergedRoomNeedsNothing()
    {
        var desired = Desired((Alice, 100), (Bob, 0));
        Planner.Plan(desired, Converged(desired)).Actions.Should().BeEmpty();
    }

    [Fact]
    public void RoleChangesOfSeveralPeopleAreOnePowerLevelEventThatKeepsEveryOtherField()
    {
        var before = Desired((Alice, 100), (Bob, 0), (Carol, 50));
        var room = Converged(before);

        var plan = Planner.Plan(Desired((Alice, 50), (Bob, 25), (Carol, 0)), room);

        var levels = plan.Actions.Should().ContainSingle().Which.Should().BeOfType<SetState>().Subject;
        levels.Type.Should().Be("m.room.power_levels");
        levels.Content["users"]!.ToJsonString().Should().Be("""{"@alice:hs.test":50,"@bob:hs.test":25}""");
        foreach (var field in new[] { "users_default", "events_default", "state_default", "ban", "kick", "invite", "events" })
        {
            levels.Content[field]!.ToJsonString().Should().Be(room.PowerLevels[field]!.ToJsonString(), $"{field} is kept");
        }
    }

    [Fact]
    public void ManualPowerLevelChangeIsUndoneAndStaleEntriesRemoved()
    {
        var desired = Desired((Alice, 100), (Bob, 0));
        var room = Converged(desired).Levels((Alice, 100), (Bob, 100), (Carol, 50));

        var plan = Planner.Plan(desired, room);

        plan.Actions.Should().ContainSingle().Which.As<SetState>().Content["users"]!.ToJsonString()
            .Should().Be("""{"@alice:hs.test":100}""");
    }

    [Fact]
    public void NothingIsSentWhenOnlyTheWayOfWritingLevelsDiffers()
    {
        var desired = Desired((Alice, 50), (Bob, 0));
        var room = Converged(desired).Levels((Alice, 50), (Bob, 0));

        Planner.Plan(desired, room).Actions.Should().BeEmpty("an explicit 0 equals users_default");
    }

    [Fact]
    public void ManualInviteOfANonMemberIsUndoneInStrictMode()
    {
        var desired = Desired((Alice, 0)) with { TenantOf = ImmutableDictionary<string, string>.Empty.Add(Alice, "t1").Add(Bob, "t1") };
        var room = Converged(desired).With("m.room.member", Bob, new() { ["membership"] = "invite" });

        Planner.Plan(desired, room).Actions.Select(a => a.Describe()).Should().Equal("remove @bob:hs.test: not a member of this in OpenMeet");
        Planner.Plan(desired with { Strict = false }, room).Actions.Should().BeEmpty("additive keeps people of the tenant");
    }

    [Fact]
    public void PeopleOfAnotherTenantAreRemovedEvenInAdditiveMode()
    {
        var desired = Desired((Alice, 0)) with { Strict = false, TenantOf = ImmutableDictionary<string, string>.Empty.Add(Alice, "t1").Add(Bob, "t2") };
        var room = Converged(desired).Joined(Bob).Joined(Carol);

        Planner.Plan(desired, room).Actions.Select(a => a.Describe()).Should().Equal(
            "remove @bob:hs.test: not a person of this OpenMeet tenant",
            "remove @carol:hs.test: not a person of this OpenMeet tenant");
        Planner.Plan(desired with { AllowedTenants = ["t2"] }, room).Actions.Select(a => a.Describe())
            .Should().Equal("remove @carol:hs.test: not a person of this OpenMeet tenant");
    }

    [Fact]
    public void DesiredMemberOfAnotherTenantIsNeverInvited()
    {
        var desired = Desired((Alice, 0)) with { TenantOf = ImmutableDictionary<string, string>.Empty.Add(Alice, "t2") };

        var plan = Planner.Plan(desired, Created());

        plan.Actions.OfType<Invite>().Should().BeEmpty();
        plan.Unfixable.Should().ContainSingle().Which.Should().Contain("not of tenant t1");
    }

    [Fact]
    public void PersonWhoLeftOnTheirOwnIsNotInvitedAgain()
    {
        var desired = Desired((Alice, 0)) with { NoInvite = [Alice] };
        var room = Converged(desired).With("m.room.member", Alice, new() { ["membership"] = "leave" });

        Planner.Plan(desired, room).Actions.Should().BeEmpty();
    }

    [Fact]
    public void BannedMemberIsReportedNotInvited()
    {
        var desired = Desired((Alice, 0));
        var room = Converged(desired).With("m.room.member", Alice, new() { ["membership"] = "ban" });

        var plan = Planner.Plan(desired, room);

        plan.Actions.Should().BeEmpty();
        plan.Unfixable.Should().ContainSingle().Which.Should().Contain("banned");
    }

    [Fact]
    public void ForceJoinJoinsInsteadOfInviting()
    {
        Planner.Plan(Desired((Alice, 0)) with { ForceJoin = true }, Created()).Actions.OfType<ForceJoin>()
            .Should().ContainSingle().Which.UserId.Should().Be(Alice);
    }

    [Fact]
    public void ClosedRoomLosesItsMembersAndAliasAndIsMarked()
    {
        var open = Desired((Alice, 100), (Bob, 0));
        var room = Converged(open).Joined(Alice).Joined(Bob);

        var plan = Planner.Plan(open with { Closed = true }, room);

        plan.Actions.Select(a => a.Describe()).Should().Equal(
            "set m.room.canonical_alias: no alias",
            "delete the alias #openmeet_t1.event.summer:hs.test",
            "set net.openmeet.room.closed: the OpenMeet entity was deleted",
            "set m.room.power_levels: levels from OpenMeet roles",
            "remove @alice:hs.test: this room is closed: its OpenMeet entity was deleted",
            "remove @bob:hs.test: this room is closed: its OpenMeet entity was deleted");
    }

    [Fact]
    public void PublicRoomIsOpenToTheTenantsSpace()
    {
        var rules = Planner.Plan(Desired() with { Public = true }, Created()).Actions.OfType<SetState>()
            .Single(a => a.Type == "m.room.join_rules").Content;

        rules.ToJsonString().Should().Be("""{"join_rule":"restricted","allow":[{"type":"m.room_membership","room_id":"!space:hs.test"}]}""");
    }

    [Fact]
    public void RenameIsFollowed()
    {
        var desired = Desired((Alice, 0));
        var plan = Planner.Plan(desired with { Name = "Autumn party", Topic = null }, Converged(desired));

        plan.Actions.Select(a => a.Describe()).Should().Equal("set m.room.name: name 'Autumn party'", "set m.room.topic: topic from OpenMeet");
    }

    [Fact]
    public void SpaceGetsItsChildrenAndDropsStaleOnes()
    {
        var desired = Desired() with { Kind = OpenMeet.AppService.State.RoomKind.Space, Alias = null, SpaceRoomId = null, SpaceChildren = ["!a:hs.test", "!b:hs.test"] };
        var room = Created().With("m.space.child", "!old:hs.test", new() { ["via"] = new JsonArray("hs.test") });

        var children = Planner.Plan(desired, room).Actions.OfType<SetState>().Where(a => a.Type == "m.space.child").ToList();

        children.Select(c => (c.StateKey, c.Content.Count)).Should().Equal(("!a:hs.test", 1), ("!b:hs.test", 1), ("!old:hs.test", 0));
    }

    [Fact]
    public void BotThatLeftRejoinsFirst()
    {
        var desired = Desired();
        var room = Converged(desired).With("m.room.member", Bot, new() { ["membership"] = "leave" });

        Planner.Plan(desired, room).Actions.Should().Equal(new JoinBot(Bot));
    }

    [Fact]
    public void BotThatIsNotCreatorCannotChangePeopleAtOrAboveItsLevel()
    {
        // A room created by someone else (room v11 style): the bot is at 50 like Bob.
        var room = ObservedRoom.Empty("!r:hs.test")
            .With("m.room.create", "", new() { [RoomState.SenderKey] = "@someone:hs.test" })
            .Joined(Bot)
            .Levels(("@someone:hs.test", 100), (Bot, 50), (Bob, 50));
        var desired = Desired((Alice, 100), (Bob, 0), (Carol, 25));

        var plan = Planner.Plan(desired, room);

        var users = plan.Actions.OfType<SetState>().Single(a => a.Type == "m.room.power_levels").Content["users"]!.AsObject();
        users[Bot]!.GetValue<int>().Should().Be(50, "the bot's own level is never lowered");
        users[Bob]!.GetValue<int>().Should().Be(50, "Bob is at the bot's level");
        users[Carol]!.GetValue<int>().Should().Be(25);
        users.ContainsKey(Alice).Should().BeFalse("the bot cannot raise anyone above itself");
        plan.Unfixable.Should().HaveCount(2);
    }
}
