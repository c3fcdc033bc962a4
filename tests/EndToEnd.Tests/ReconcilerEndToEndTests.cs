using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpenMeet.EndToEnd.Tests;

[Collection(nameof(LiveStackFixture))]
public sealed class ReconcilerEndToEndTests(LiveStackFixture stack)
{
    private readonly OpenMeet om = new(stack);

    private sealed record Tenant(string Id, string[] Users, string[] Handles, string Event, string Group);

    /// <summary>A tenant with an event, a group and ten users; user 0 hosts the event and owns the group.</summary>
    private async Task<Tenant> NewTenantAsync(string name, int users = 10)
    {
        var id = $"e2e{OpenMeet.Run}{name}{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{id}", new { name = $"Tenant {name}" });
        var slugs = Enumerable.Range(0, users).Select(i => $"user-{i}").ToArray();
        var handles = slugs.Select(s => $"{id}.{s}").ToArray();
        for (var i = 0; i < users; i++)
        {
            await om.PutAsync($"tenants/{id}/users/{slugs[i]}", new { name = $"Person {i} of {name}", handle = handles[i] });
        }

        await om.PutAsync($"tenants/{id}/events/summer-party", new { name = "Summer party", visibility = "private", topic = "Bring snacks" });
        await om.PutAsync($"tenants/{id}/groups/hikers", new { name = "Hikers", visibility = "public" });
        string[] eventRoles = ["host", "moderator", "speaker", "participant", "guest"];
        for (var i = 0; i < users; i++)
        {
            await om.PutAsync($"tenants/{id}/events/summer-party/members/{slugs[i]}", new { role = eventRoles[Math.Min(i, 4)] });
            if (i % 2 == 0)
            {
                await om.PutAsync($"tenants/{id}/groups/hikers/members/{slugs[i]}", new { role = i == 0 ? "owner" : "member" });
            }
        }

        return new Tenant(id, slugs, handles, "summer-party", "hikers");
    }

    [Fact]
    public async Task TenantWithAnEventAGroupAndTenUsersConverges()
    {
        var t = await NewTenantAsync("a");

        var eventRoom = await om.ConvergedAsync(t.Id, "events", t.Event);
        var groupRoom = await om.ConvergedAsync(t.Id, "groups", t.Group);

        var eventId = eventRoom.GetProperty("roomId").GetString()!;
        var state = await om.StateAsync(eventId);
        state[("m.room.create", "")].GetProperty("room_version").GetString().Should().Be("12");
        state[("m.room.name", "")].GetProperty("name").GetString().Should().Be("Summer party");
        state[("m.room.topic", "")].GetProperty("topic").GetString().Should().Be("Bring snacks");
        state[("m.room.history_visibility", "")].GetProperty("history_visibility").GetString().Should().Be("shared");
        state[("m.room.guest_access", "")].GetProperty("guest_access").GetString().Should().Be("forbidden");
        state[("m.room.join_rules", "")].GetProperty("join_rule").GetString().Should().Be("invite", "the event is private");
        state.Should().NotContainKey(("m.room.encryption", ""), "event rooms are not encrypted by default");
        var alias = eventRoom.GetProperty("alias").GetString()!;
        state[("m.room.canonical_alias", "")].GetProperty("alias").GetString().Should().Be(alias);
        (await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetJsonAsync($"_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}"))
            .GetProperty("room_id").GetString().Should().Be(eventId);

        var members = OpenMeet.Members(state);
        members[$"@openmeet-bot:{om.ServerName}"].Should().Be("join");
        members.Where(m => !m.Key.StartsWith("@openmeet-bot", StringComparison.Ordinal)).Should()
            .BeEquivalentTo(t.Handles.ToDictionary(om.UserId, _ => "invite"), "exactly the ten members are invited");
        OpenMeet.Levels(state).Should().BeEquivalentTo(new Dictionary<string, int>
        {
            [om.UserId(t.Handles[0])] = 100,
            [om.UserId(t.Handles[1])] = 50,
            [om.UserId(t.Handles[2])] = 25,
        }, "host 100, moderator 50, speaker 25, the rest at the default 0; the bot is the v12 creator");

        var groupState = await om.StateAsync(groupRoom.GetProperty("roomId").GetString()!);
        var space = await SpaceOfAsync(t.Id);
        groupState[("m.room.join_rules", "")].GetProperty("join_rule").GetString().Should().Be("restricted", "the group is public to the tenant");
        groupState[("m.room.join_rules", "")].GetProperty("allow")[0].GetProperty("room_id").GetString().Should().Be(space);
        OpenMeet.Members(groupState).Keys.Where(k => !k.StartsWith("@openmeet-bot", StringComparison.Ordinal))
            .Should().BeEquivalentTo(t.Handles.Where((_, i) => i % 2 == 0).Select(om.UserId));
        OpenMeet.Levels(groupState).Should().BeEquivalentTo(new Dictionary<string, int> { [om.UserId(t.Handles[0])] = 100 });

        // The service keeps a room it made as it asked for it, without reading it back: Synapse must hold
        // exactly the power levels that were asked for, nothing of its own defaults or its config added.
        var levels = state[("m.room.power_levels", "")];
        levels.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            ["users", "users_default", "events", "events_default", "state_default", "ban", "kick", "redact", "invite", "historical"]);
        levels.GetProperty("invite").GetInt32().Should().Be(0, "members of a private room may invite, as private_chat has it");
        levels.GetProperty("events").GetProperty("m.room.tombstone").GetInt32().Should().Be(150);

        var spaceState = await om.StateAsync(space);
        spaceState[("m.room.create", "")].GetProperty("type").GetString().Should().Be("m.space");
        spaceState.Keys.Where(k => k.Item1 == "m.space.child").Select(k => k.Item2)
            .Should().BeEquivalentTo([eventId, groupRoom.GetProperty("roomId").GetString()!]);
        OpenMeet.Members(spaceState).Keys.Where(k => !k.StartsWith("@openmeet-bot", StringComparison.Ordinal))
            .Should().BeEquivalentTo(t.Handles.Select(om.UserId), "every person of the tenant is in its space");
        state.Should().ContainKey(("m.space.parent", space));
    }

    [Fact]
    public async Task RoleChangesOfSeveralPeopleBecomeAtMostTwoPowerLevelWrites()
    {
        var t = await NewTenantAsync("roles");
        var roomId = (await om.ConvergedAsync(t.Id, "events", t.Event)).GetProperty("roomId").GetString()!;
        await om.ConvergedAsync(t.Id, "groups", t.Group);
        // Settled: no write of the set-up (a level given once a late account exists) may count below.
        var offset = om.SynapseLogLength();
        for (var quiet = 0; quiet < 30; quiet++)
        {
            await Task.Delay(500);
            if (om.ServiceWritesSince(offset).Count == 0)
            {
                break;
            }

            offset = om.SynapseLogLength();
        }

        await om.PutAsync($"tenants/{t.Id}/events/{t.Event}/members/{t.Users[3]}", new { role = "moderator" });
        await om.PutAsync($"tenants/{t.Id}/events/{t.Event}/members/{t.Users[4]}", new { role = "speaker" });
        await om.PutAsync($"tenants/{t.Id}/events/{t.Event}/members/{t.Users[1]}", new { role = "participant" });
        await Matrix.EventuallyAsync(async () =>
        {
            var levels = OpenMeet.Levels(await om.StateAsync(roomId));
            return levels.GetValueOrDefault(om.UserId(t.Handles[3])) == 50 && levels.GetValueOrDefault(om.UserId(t.Handles[4])) == 25
                && !levels.ContainsKey(om.UserId(t.Handles[1])) ? levels : null;
        }, "the new roles in Synapse's power levels");
        await om.ConvergedAsync(t.Id, "events", t.Event);
        await Task.Delay(1000);

        // The first change is written at once (no debounce); the two that arrive while that write is in
        // flight are coalesced into one write after it, so three changes are one or two events, never three.
        var writes = om.ServiceWritesSince(offset);
        writes.Should().HaveCountLessThanOrEqualTo(2, "three role changes in one room are at most one power-level event per write in flight (writes: {0})", string.Join("\n", writes))
            .And.NotBeEmpty().And.OnlyContain(w => w.Contains("/state/m.room.power_levels"));
    }

    [Fact]
    public async Task SecondReconcileOfAConvergedTenantWritesNothing()
    {
        var t = await NewTenantAsync("idle", users: 4);
        await om.ConvergedAsync(t.Id, "events", t.Event);
        await om.ConvergedAsync(t.Id, "groups", t.Group);
        await Task.Delay(1000);
        var before = await om.RoomAsync(t.Id, "events", t.Event);
        var offset = om.SynapseLogLength();

        var plan = await om.PostAsync("reconcile", new { tenantId = t.Id, dryRun = true });
        var job = await om.PostAsync("reconcile", new { tenantId = t.Id });

        plan.GetProperty("actions").GetInt32().Should().Be(0);
        var done = JsonDocument.Parse(await Matrix.EventuallyAsync(async () =>
        {
            var progress = await om.GetAsync($"reconcile/{job.GetProperty("jobId").GetString()}");
            return progress.GetProperty("state").GetString() == "done" ? progress.ToString() : null;
        }, "the reconcile job done")).RootElement;
        done.GetProperty("done").GetInt32().Should().Be(done.GetProperty("rooms").GetInt32());
        (await om.RoomAsync(t.Id, "events", t.Event)).GetProperty("lastReconciledAt").GetDateTime()
            .Should().BeAfter(before.GetProperty("lastReconciledAt").GetDateTime(), "the job reconciled the room");
        await Task.Delay(1000);
        om.ServiceWritesSince(offset).Should().BeEmpty();
    }

    [Fact]
    public async Task ManualPowerLevelChangeAndInviteOfANonMemberAreUndone()
    {
        var t = await NewTenantAsync("manual", users: 4);
        var roomId = (await om.ConvergedAsync(t.Id, "events", t.Event)).GetProperty("roomId").GetString()!;
        var outsider = await NewTenantAsync("outsider", users: 1);
        var host = await om.ActAsAsync(om.UserId(t.Handles[0]));
        var room = Uri.EscapeDataString(roomId);
        await host.PostJsonAsync($"_matrix/client/v3/join/{room}", new { });

        var levels = (await host.GetJsonAsync($"_matrix/client/v3/rooms/{room}/state/m.room.power_levels")).ToString();
        var changed = System.Text.Json.Nodes.JsonNode.Parse(levels)!.AsObject();
        changed["users"]![om.UserId(t.Handles[3])] = 100;
        await host.PutJsonAsync($"_matrix/client/v3/rooms/{room}/state/m.room.power_levels", changed);
        await host.PostJsonAsync($"_matrix/client/v3/rooms/{room}/invite", new { user_id = om.UserId(outsider.Handles[0]) });

        await Matrix.EventuallyAsync(async () =>
        {
            var state = await om.StateAsync(roomId);
            return !OpenMeet.Levels(state).ContainsKey(om.UserId(t.Handles[3]))
                && OpenMeet.Members(state)[om.UserId(outsider.Handles[0])] == "leave" ? state : null;
        }, "the manual changes being undone", seconds: 20);
    }

    [Fact]
    public async Task RoomDeletedOnTheServerIsMadeAgainUnderItsAlias()
    {
        var t = await NewTenantAsync("purged", users: 3);
        var before = await om.ConvergedAsync(t.Id, "events", t.Event);
        var gone = before.GetProperty("roomId").GetString()!;
        var alias = before.GetProperty("alias").GetString()!;
        using var purge = new HttpRequestMessage(HttpMethod.Delete, $"_synapse/admin/v1/rooms/{Uri.EscapeDataString(gone)}")
        {
            Content = JsonContent.Create(new { purge = true }),
        };
        var admin = stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]);
        (await admin.SendAsync(purge)).IsSuccessStatusCode.Should().BeTrue();
        await Matrix.EventuallyAsync(async () =>
            (await admin.GetAsync($"_synapse/admin/v1/rooms/{Uri.EscapeDataString(gone)}")).StatusCode == HttpStatusCode.NotFound ? "gone" : null,
            "Synapse's purge of the room");

        await om.PostAsync("reconcile", new { tenantId = t.Id, entityType = "event", entitySlug = t.Event });
        var roomId = await Matrix.EventuallyAsync(async () =>
        {
            var room = await om.RoomAsync(t.Id, "events", t.Event);
            return room.GetProperty("roomId").GetString() is { } id && id != gone && room.GetProperty("state").GetString() == "ready" ? id : null;
        }, "a new room for the event", seconds: 60);
        await om.ConvergedAsync(t.Id, "events", t.Event);

        (await admin.GetJsonAsync($"_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}"))
            .GetProperty("room_id").GetString().Should().Be(roomId, "the alias moves to the new room");
        var members = OpenMeet.Members(await om.StateAsync(roomId));
        members.Should().ContainKeys(t.Handles.Select(om.UserId));
    }

    // Someone with the bot's token makes it leave a public room: the bot's own leave is not an echo to
    // ignore; it joins again by itself and the room stays the same.
    [Fact]
    public async Task BotThatWasMadeToLeaveAPublicRoomEntersAgain()
    {
        var t = await NewTenantAsync("rejoin", users: 2);
        var roomId = (await om.ConvergedAsync(t.Id, "groups", t.Group)).GetProperty("roomId").GetString()!;
        var bot = $"@openmeet-bot:{om.ServerName}";
        // Someone is in the room: when the last local member leaves, Synapse itself leaves the room.
        await (await om.ActAsAsync(om.UserId(t.Handles[0]))).PostJsonAsync($"_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}", new { });

        await stack.Synapse(stack["AS_TOKEN"]).PostJsonAsync($"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/leave", new { });
        await Matrix.EventuallyAsync(async () =>
            OpenMeet.Members(await om.StateAsync(roomId))[bot] == "leave" ? "left" : null, "the bot's leave");

        await Matrix.EventuallyAsync(async () =>
            OpenMeet.Members(await om.StateAsync(roomId))[bot] == "join" ? "back" : null, "the bot back in the room", seconds: 30);
        (await om.ConvergedAsync(t.Id, "groups", t.Group)).GetProperty("roomId").GetString().Should().Be(roomId);
    }

    // OpenMeet renames an event while the reconciler is busy with it (creating its room, then applying
    // the plan): the reconciler's outcome must not write back the name it started with.
    [Fact]
    public async Task ChangesMadeWhileTheRoomIsBeingReconciledAreKept()
    {
        var t = await NewTenantAsync("racing", users: 2);
        for (var i = 0; i <= 10; i++)
        {
            await om.PutAsync($"tenants/{t.Id}/events/relay", new { name = $"Relay {i}", visibility = "private" });
            await Task.Delay(60);
        }

        var room = await om.ConvergedAsync(t.Id, "events", "relay");
        room.GetProperty("desired").GetProperty("name").GetString().Should().Be("Relay 10", "OpenMeet's last word");
        (await om.StateAsync(room.GetProperty("roomId").GetString()!))[("m.room.name", "")].GetProperty("name").GetString().Should().Be("Relay 10");
    }

    // OpenMeet revokes someone while their account is still being made: the provisioning that was under
    // way must not write the person back as not revoked.
    [Fact]
    public async Task RevocationDuringProvisioningIsCarriedOut()
    {
        var tenant = $"e2e{OpenMeet.Run}early{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Early revocation" });
        for (var i = 0; i < 5; i++)
        {
            await om.PutAsync($"tenants/{tenant}/users/p{i}", new { name = $"Person {i}", handle = $"{tenant}.p{i}" });
            await Task.Delay(30 * i);
            await om.DeleteAsync($"tenants/{tenant}/users/p{i}");
        }

        var admin = stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]);
        for (var i = 0; i < 5; i++)
        {
            await Matrix.EventuallyAsync(async () =>
                (await om.Api.GetJsonAsync($"internal/tenants/{tenant}/users/p{i}")).GetProperty("revocation").GetProperty("done").GetBoolean() ? "done" : null,
                $"the revocation of p{i} done", seconds: 60);
            var account = await admin.GetAsync($"_synapse/admin/v2/users/{Uri.EscapeDataString(om.UserId($"{tenant}.p{i}"))}");
            if (account.IsSuccessStatusCode)
            {
                (await account.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("locked").GetBoolean().Should().BeTrue($"p{i}'s account exists, so it is locked");
            }
        }
    }

    [Fact]
    public async Task PersonOfAnotherTenantNeverGetsIntoARoomOfThisTenant()
    {
        var a = await NewTenantAsync("iso-a", users: 2);
        var b = await NewTenantAsync("iso-b", users: 2);
        var roomA = (await om.ConvergedAsync(a.Id, "groups", a.Group)).GetProperty("roomId").GetString()!;

        // OpenMeet cannot add B's user to A's group: the slug is not a user of A.
        var onlyInB = $"only-in-b-{Guid.NewGuid():N}";
        var early = await om.Api.PutAsJsonAsync($"internal/tenants/{a.Id}/groups/{a.Group}/members/{onlyInB}", new { role = "member" });
        await om.DeleteAsync($"tenants/{a.Id}/groups/{a.Group}/members/{onlyInB}");
        await om.PutAsync($"tenants/{b.Id}/users/{onlyInB}", new { name = "Only in B" });
        var refused = await om.Api.PutAsJsonAsync($"internal/tenants/{a.Id}/groups/{a.Group}/members/{onlyInB}", new { role = "member" });
        refused.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("user_of_another_tenant");
        early.StatusCode.Should().Be(HttpStatusCode.OK, "before B's user existed this was an early membership of A's own user");

        // Synapse will not let B's user join A's public group: it is open to A's space only.
        var bUser = await om.ActAsAsync(om.UserId(b.Handles[0]));
        var join = await bUser.PostAsJsonAsync($"_matrix/client/v3/join/{Uri.EscapeDataString(roomA)}", new { });
        join.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        // And if A's owner invites B's user by hand, the service removes them.
        var owner = await om.ActAsAsync(om.UserId(a.Handles[0]));
        await owner.PostJsonAsync($"_matrix/client/v3/join/{Uri.EscapeDataString(roomA)}", new { });
        await owner.PostJsonAsync($"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomA)}/invite", new { user_id = om.UserId(b.Handles[0]) });
        await Matrix.EventuallyAsync(async () =>
            OpenMeet.Members(await om.StateAsync(roomA)).GetValueOrDefault(om.UserId(b.Handles[0])) == "leave" ? "gone" : null,
            "B's user being removed from A's room", seconds: 20);
    }

    [Fact]
    public async Task DeletingAnEventClosesItsRoom()
    {
        var t = await NewTenantAsync("close", users: 3);
        var report = await om.ConvergedAsync(t.Id, "events", t.Event);
        var roomId = report.GetProperty("roomId").GetString()!;
        var alias = report.GetProperty("alias").GetString()!;
        var member = await om.ActAsAsync(om.UserId(t.Handles[1]));
        await member.PostJsonAsync($"_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}", new { });

        await om.DeleteAsync($"tenants/{t.Id}/events/{t.Event}");

        var closed = await om.ConvergedAsync(t.Id, "events", t.Event);
        closed.GetProperty("state").GetString().Should().Be("closed");
        var state = await om.StateAsync(roomId);
        OpenMeet.Members(state).Where(m => m.Value is "join" or "invite").Select(m => m.Key)
            .Should().BeEquivalentTo([$"@openmeet-bot:{om.ServerName}"]);
        state[("net.openmeet.room.closed", "")].GetProperty("closed").GetBoolean().Should().BeTrue();
        state[("m.room.canonical_alias", "")].TryGetProperty("alias", out _).Should().BeFalse();
        var lookup = await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetAsync($"_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}");
        lookup.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var spaceState = await om.StateAsync(await SpaceOfAsync(t.Id));
        await Matrix.EventuallyAsync(async () =>
            (await om.StateAsync(await SpaceOfAsync(t.Id))).TryGetValue(("m.space.child", roomId), out var child) && !child.EnumerateObject().Any() ? "gone" : null,
            "the closed room leaving the space");
    }

    [Fact]
    public async Task RestartingTheServiceMidWayConvergesToTheSameResult()
    {
        var t = await NewTenantAsync("restart");
        using (var service = System.Diagnostics.Process.GetProcessById(int.Parse(stack["APPSERVICE_PID"], System.Globalization.CultureInfo.InvariantCulture)))
        {
            service.Kill();
            await service.WaitForExitAsync();
        }

        await LiveStackFixture.Script(LiveStackFixture.Up, TimeSpan.FromMinutes(5));
        await stack.ReadEnvAsync();

        var eventRoom = await om.ConvergedAsync(t.Id, "events", t.Event);
        var state = await om.StateAsync(eventRoom.GetProperty("roomId").GetString()!);
        OpenMeet.Members(state).Keys.Where(k => !k.StartsWith("@openmeet-bot", StringComparison.Ordinal))
            .Should().BeEquivalentTo(t.Handles.Select(om.UserId));
        OpenMeet.Levels(state).Should().HaveCount(3);
        await om.ConvergedAsync(t.Id, "groups", t.Group);
        var rooms = (await om.PostAsync("reconcile", new { tenantId = t.Id, dryRun = true })).GetProperty("plan").EnumerateArray()
            .Select(r => r.GetProperty("roomId").GetString()).ToList();
        rooms.Should().HaveCount(3, "one space, one event room and one group room: nothing created twice");
        rooms.Should().OnlyHaveUniqueItems().And.NotContainNulls();
    }

    [Fact]
    public async Task AliasLookupCreatesTheRoomOfAnEntityOnDemand()
    {
        var t = await NewTenantAsync("alias", users: 1);
        await om.ConvergedAsync(t.Id, "events", t.Event);
        await om.PutAsync($"tenants/{t.Id}/events/pop-up", new { name = "Pop-up", visibility = "private" });
        var alias = $"#openmeet_{t.Id}.event.pop-up:{om.ServerName}";

        // Asked at once, before the background reconcile: Synapse queries us and the room is made.
        var found = await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetJsonAsync($"_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}");

        var report = await om.RoomAsync(t.Id, "events", "pop-up");
        found.GetProperty("room_id").GetString().Should().Be(report.GetProperty("roomId").GetString());
        var missing = await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetAsync(
            $"_matrix/client/v3/directory/room/{Uri.EscapeDataString($"#openmeet_{t.Id}.event.no-such-event:{om.ServerName}")}");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task EnsureRoomAnswersWithTheRoomOnceItExists()
    {
        var t = await NewTenantAsync("ensure", users: 2);
        await om.PutAsync($"tenants/{t.Id}/groups/readers", new { name = "Readers", visibility = "private" });

        var reply = await om.PostAsync("matrix/rooms", new { entityType = "group", entitySlug = "readers", creatorSlug = t.Users[1], tenantId = t.Id });

        var roomId = reply.GetProperty("roomId").GetString()!;
        reply.GetProperty("alias").GetString().Should().Be($"#openmeet_{t.Id}.group.readers:{om.ServerName}");
        await om.ConvergedAsync(t.Id, "groups", "readers");
        OpenMeet.Levels(await om.StateAsync(roomId)).Should().BeEquivalentTo(new Dictionary<string, int> { [om.UserId(t.Handles[1])] = 100 },
            "the creator owns what they created");
    }

    [Fact]
    public async Task PermissionOverrideWinsOverTheRoleUntilCleared()
    {
        var t = await NewTenantAsync("override", users: 5);
        var roomId = (await om.ConvergedAsync(t.Id, "events", t.Event)).GetProperty("roomId").GetString()!;
        var participant = om.UserId(t.Handles[3]);

        await om.PostAsync("matrix/permissions", new { roomId, userSlug = t.Users[3], powerLevel = 50, tenantId = t.Id });
        await Matrix.EventuallyAsync(async () => OpenMeet.Levels(await om.StateAsync(roomId)).GetValueOrDefault(participant) == 50 ? "50" : null, "the override");
        await om.PutAsync($"tenants/{t.Id}/events/{t.Event}/members/{t.Users[3]}", new { role = "speaker" });
        await om.ConvergedAsync(t.Id, "events", t.Event);
        OpenMeet.Levels(await om.StateAsync(roomId))[participant].Should().Be(50, "the override wins over the new role");

        await om.PostAsync("matrix/permissions", new { roomId, userSlug = t.Users[3], powerLevel = (int?)null, tenantId = t.Id });
        await Matrix.EventuallyAsync(async () => OpenMeet.Levels(await om.StateAsync(roomId)).GetValueOrDefault(participant) == 25 ? "25" : null, "the role's level back");
    }

    [Fact]
    public async Task DirectMessageRoomIsEncryptedAndReusedForThePair()
    {
        var t = await NewTenantAsync("dm", users: 3);

        var first = (await om.PostAsync("matrix/dms", new { tenantId = t.Id, userSlugs = new[] { t.Users[1], t.Users[2] } })).GetProperty("roomId").GetString()!;
        var again = (await om.PostAsync("matrix/dms", new { tenantId = t.Id, userSlugs = new[] { t.Users[2], t.Users[1] } })).GetProperty("roomId").GetString()!;

        again.Should().Be(first);
        var state = await Matrix.EventuallyAsync(async () =>
        {
            var s = await om.StateAsync(first);
            return OpenMeet.Members(s).Count(m => m.Value == "invite") == 2 ? s : null;
        }, "both people invited to the DM");
        state.Should().ContainKey(("m.room.encryption", ""));
        OpenMeet.Members(state).Where(m => m.Value == "invite").Select(m => m.Key)
            .Should().BeEquivalentTo([om.UserId(t.Handles[1]), om.UserId(t.Handles[2])]);
    }

    [Fact]
    public async Task PersonWhoLeavesIsNotInvitedAgainUntilTheirMembershipChanges()
    {
        var t = await NewTenantAsync("leave", users: 5);
        var roomId = (await om.ConvergedAsync(t.Id, "events", t.Event)).GetProperty("roomId").GetString()!;
        var person = await om.ActAsAsync(om.UserId(t.Handles[4]));
        var room = Uri.EscapeDataString(roomId);
        await person.PostJsonAsync($"_matrix/client/v3/join/{room}", new { });
        await person.PostJsonAsync($"_matrix/client/v3/rooms/{room}/leave", new { });

        await Task.Delay(1500);
        await om.ConvergedAsync(t.Id, "events", t.Event);
        OpenMeet.Members(await om.StateAsync(roomId))[om.UserId(t.Handles[4])].Should().Be("leave", "their choice is respected");

        await om.PutAsync($"tenants/{t.Id}/events/{t.Event}/members/{t.Users[4]}", new { role = "participant" });
        await Matrix.EventuallyAsync(async () =>
            OpenMeet.Members(await om.StateAsync(roomId))[om.UserId(t.Handles[4])] == "invite" ? "invited" : null,
            "a new role bringing a new invite");
    }

    private async Task<string> SpaceOfAsync(string tenant)
    {
        var plan = await om.PostAsync("reconcile", new { tenantId = tenant, dryRun = true });
        return plan.GetProperty("plan").EnumerateArray().Single(r => r.GetProperty("key").GetString() == $"{tenant}/space")
            .GetProperty("roomId").GetString()!;
    }
}
