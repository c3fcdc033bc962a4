using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Tests.Reconciliation;

/// <summary>
/// How keys flow through the reconciler (issue 14), against a stand-in Synapse that records every
/// call: OpenMeet's changes before the start-up sweep, changes coalesced into the write after the one
/// in flight, a room waiting on its space instead of retrying, one way in for an account, and a
/// person who left their tenant's space staying out.
/// </summary>
public sealed class ReconcilerFlowTests : IAsyncLifetime
{
    private StandInSynapse synapse = null!;
    private TestService service = null!;

    public async Task InitializeAsync()
    {
        synapse = await StandInSynapse.StartAsync();
        service = synapse.Service();
        await service.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await service.DisposeAsync();
        await synapse.DisposeAsync();
    }

    private HttpClient Api => service.Private(TestService.InternalToken);

    private Store Store => service.Services.GetRequiredService<Store>();

    private ReconcileBacklog Backlog => service.Services.GetRequiredService<ReconcileBacklog>();

    [Fact]
    public async Task ARoleChangeRightAfterAStartWithAThousandRoomsQueuedReachesSynapseWithinASecond()
    {
        await PutAsync("tenants/t1", new { name = "T1" });
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        await service.Services.GetRequiredService<Reconciler>().EnsureAccountAsync("t1/ann", CancellationToken.None);
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/space"), CancellationToken.None);
        // A thousand rooms the service knows but has not reconciled since (as after an upgrade).
        Store.Rooms.InsertBulk(Enumerable.Range(0, 1000).Select(i => new RoomDoc
        {
            Id = $"t1/event/e{i:0000}", TenantId = "t1", Kind = RoomKind.Event, Slug = $"e{i:0000}", Name = $"Event {i}",
            RoomId = $"!known{i:0000}:test.example.org", Status = RoomStatus.Ready, UpdatedAt = DateTime.UtcNow,
        }));
        await service.StopAsync();
        synapse.StateReadDelay = TimeSpan.FromMilliseconds(20);
        var promoted = new TaskCompletionSource();
        synapse.Hold = line =>
        {
            if (line == "PUT !known0999:test.example.org m.room.power_levels " && synapse.State("!known0999:test.example.org", "m.room.power_levels") is null)
            {
                promoted.TrySetResult();
            }

            return null;
        };

        await service.StartAsync();
        var clock = Stopwatch.StartNew();
        await PutAsync("tenants/t1/events/e0999/members/ann", new { role = "moderator" });
        await promoted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "OpenMeet's change goes before the sweep of the thousand rooms");
        Backlog.Depth.Should().BeGreaterThan(0, "the sweep was still under way");
        synapse.Count("GET !known0").Should().BeLessThan(1000);
    }

    [Fact]
    public async Task ChangesArrivingWhileAWriteIsInFlightBecomeOneMoreWrite()
    {
        await PutAsync("tenants/t1", new { name = "T1" });
        foreach (var who in new[] { "ann", "bob", "cid", "dee" })
        {
            await PutAsync($"tenants/t1/users/{who}", new { name = who, handle = who });
            await service.Services.GetRequiredService<Reconciler>().EnsureAccountAsync($"t1/{who}", CancellationToken.None);
        }

        await PutAsync("tenants/t1/events/party", new { name = "Party", visibility = "private" });
        var roomId = await service.Services.GetRequiredService<Reconciler>().EnsureRoomAsync("t1/event/party", TimeSpan.FromSeconds(30), CancellationToken.None);
        var levels = $"PUT {roomId} m.room.power_levels ";
        var inFlight = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        synapse.Hold = line => line == levels && inFlight.TrySetResult() ? release : null;

        await PutAsync("tenants/t1/events/party/members/ann", new { role = "host" });
        await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await PutAsync("tenants/t1/events/party/members/bob", new { role = "moderator" });
        await PutAsync("tenants/t1/events/party/members/cid", new { role = "speaker" });
        await PutAsync("tenants/t1/events/party/members/dee", new { role = "moderator" });
        release.SetResult();
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/event/party"), CancellationToken.None);

        synapse.Count(levels).Should().Be(2, "the first change is written at once, the three that came meanwhile in one write after it");
        synapse.State(roomId!, "m.room.power_levels")!["users"]!.ToJsonString().Should()
            .Be("""{"@ann:test.example.org":100,"@bob:test.example.org":50,"@cid:test.example.org":25,"@dee:test.example.org":50}""");

        await PutAsync("tenants/t1/events/party/members/bob", new { role = "moderator" });
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/event/party"), CancellationToken.None);
        synapse.Count(levels).Should().Be(2, "a role that did not change writes nothing");
    }

    [Fact]
    public async Task ARoomWaitsForItsSpaceInsteadOfRetrying()
    {
        var spaceAsked = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        synapse.Hold = line => line == "create T1" && spaceAsked.TrySetResult() ? release : null;
        await PutAsync("tenants/t1", new { name = "T1" });
        await spaceAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await PutAsync("tenants/t1/events/party", new { name = "Party", visibility = "public" });
        var made = service.Services.GetRequiredService<Reconciler>().EnsureRoomAsync("t1/event/party", TimeSpan.FromSeconds(30), CancellationToken.None);
        await Until(() => Waits() >= 1, "the event room waiting for its space");
        // Time for a busy retry to show (it retried every 250 ms).
        await Task.Delay(1000);
        var waited = Waits();
        release.SetResult();
        var roomId = await made;

        waited.Should().Be(1, "the room waits on its space rather than asking again and again");
        roomId.Should().NotBeNull("the room is made once its space is there");
        synapse.State(roomId!, "m.space.parent", Store.Rooms.FindById("t1/space")!.RoomId!).Should().NotBeNull();
    }

    [Fact]
    public async Task ARoomWhoseMembersAreKnownIsOneCreateRoomWithTheirInvitesAndLevelsAndIsNotReadBack()
    {
        var spaceAsked = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        synapse.Hold = line => line == "create T1" && spaceAsked.TrySetResult() ? release : null;
        await PutAsync("tenants/t1", new { name = "T1" });
        await spaceAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var reconciler = service.Services.GetRequiredService<Reconciler>();
        foreach (var (who, role) in new[] { ("ann", "host"), ("bob", "moderator"), ("cid", "participant") })
        {
            await PutAsync($"tenants/t1/users/{who}", new { name = who, handle = who });
            await reconciler.EnsureAccountAsync($"t1/{who}", CancellationToken.None);
        }

        // The event room waits for its space, so its members are known by the time it is made.
        await PutAsync("tenants/t1/events/party", new { name = "Party", visibility = "private" });
        foreach (var (who, role) in new[] { ("ann", "host"), ("bob", "moderator"), ("cid", "participant") })
        {
            await PutAsync($"tenants/t1/events/party/members/{who}", new { role });
        }

        release.SetResult();
        var roomId = await reconciler.EnsureRoomAsync("t1/event/party", TimeSpan.FromSeconds(30), CancellationToken.None);
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/event/party"), CancellationToken.None);
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/space"), CancellationToken.None);

        synapse.Calls.Where(c => c.Contains(roomId!, StringComparison.Ordinal)).Should().Equal(
            [$"create {roomId} invite 3", $"PUT {Store.Rooms.FindById("t1/space")!.RoomId} m.space.child {roomId}"],
            "the room is made with its invites and levels in one request, not read back, and added to its space");
        synapse.State(roomId!, "m.room.power_levels")!["users"]!.ToJsonString().Should()
            .Be("""{"@ann:test.example.org":100,"@bob:test.example.org":50}""");
        synapse.State(roomId!, "m.room.member", "@cid:test.example.org")!["membership"]!.GetValue<string>().Should().Be("invite");
        var report = await (await Api.GetAsync("/internal/tenants/t1/events/party/room")).ReadAsync();
        report.GetProperty("actual").GetProperty("powerLevels").GetProperty("@bob:test.example.org").GetInt32().Should().Be(50, "the room as kept reads like the room as read");
        report.GetProperty("drift").GetArrayLength().Should().Be(0);

        await PutAsync("tenants/t1/events/party/members/cid", new { role = "speaker" });
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/event/party"), CancellationToken.None);
        var levels = synapse.State(roomId!, "m.room.power_levels")!;
        levels["users"]!.ToJsonString().Should().Be("""{"@ann:test.example.org":100,"@bob:test.example.org":50,"@cid:test.example.org":25}""");
        levels["events"]!["m.room.tombstone"]!.GetValue<int>().Should().Be(150, "a level change keeps every field the room was made with");
        synapse.Count($"GET {roomId} state").Should().Be(0, "the room as made was kept, not read");
    }

    [Fact]
    public async Task NewRoomsJoinTheirSpaceWithoutAReconcileOfTheSpace()
    {
        await PutAsync("tenants/t1", new { name = "T1" });
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/space"), CancellationToken.None);
        var space = Store.Rooms.FindById("t1/space")!;
        var reconciler = service.Services.GetRequiredService<Reconciler>();
        for (var i = 0; i < 5; i++)
        {
            await PutAsync($"tenants/t1/groups/g{i}", new { name = $"Group {i}", visibility = "public" });
            await reconciler.EnsureRoomAsync($"t1/group/g{i}", TimeSpan.FromSeconds(30), CancellationToken.None);
        }

        await Until(() => synapse.Count($"PUT {space.RoomId} m.space.child") == 5, "five children in the space");
        Store.Rooms.FindById("t1/space")!.LastReconciledAt.Should().Be(space.LastReconciledAt,
            "a new room adds itself to the space; the space's reconcile (which reads every room and person of the tenant) is not run");

        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/space"), CancellationToken.None);
        synapse.Count($"PUT {space.RoomId} m.space.child").Should().Be(5, "the space's reconcile finds nothing left to do");
    }

    [Fact]
    public async Task TheObservedStateKeptIsBoundedAndARoomLeftOutIsReadAgainWhenNeeded()
    {
        await service.StopAsync();
        File.AppendAllText(service.ConfigPath, "\nreconciler:\n  cached_rooms: 10\n");
        await service.StartAsync();
        await PutAsync("tenants/t1", new { name = "T1" });
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        var reconciler = service.Services.GetRequiredService<Reconciler>();
        await reconciler.EnsureAccountAsync("t1/ann", CancellationToken.None);
        for (var i = 0; i < 30; i++)
        {
            await PutAsync($"tenants/t1/events/e{i:00}", new { name = $"Event {i}", visibility = "private" });
            await PutAsync($"tenants/t1/events/e{i:00}/members/ann", new { role = "participant" });
        }

        await Until(() => Backlog.Depth == 0 && Enumerable.Range(0, 30).All(i => Store.Rooms.FindById($"t1/event/e{i:00}")!.RoomId is { } made
            && synapse.State(made, "m.room.member", "@ann:test.example.org") is not null), "the 30 rooms made, Ann in each");
        service.Services.GetRequiredService<ObservedRooms>().Count.Should().BeLessThanOrEqualTo(10, "reconciler.cached_rooms is 10");
        var first = Store.Rooms.FindById("t1/event/e00")!.RoomId!;
        synapse.Count($"GET {first} state").Should().Be(0);

        await PutAsync("tenants/t1/events/e00/members/ann", new { role = "host" });
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/event/e00"), CancellationToken.None);

        synapse.Count($"GET {first} state").Should().Be(1, "the room was no longer kept: it is read once");
        synapse.State(first, "m.room.power_levels")!["users"]!.ToJsonString().Should().Be("""{"@ann:test.example.org":100}""");
    }

    [Fact]
    public async Task AnAccountIsProvisionedByOneWorkerOnlyWhoeverAsksForIt()
    {
        await PutAsync("tenants/t1", new { name = "T1" });
        var inFlight = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        synapse.Hold = line => line == "PUT account @ann:test.example.org" && inFlight.TrySetResult() ? release : null;
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The credential API and the sign-in ask for the account while the worker is making it.
        var reconciler = service.Services.GetRequiredService<Reconciler>();
        var asked = new[] { reconciler.EnsureAccountAsync("t1/ann", CancellationToken.None), reconciler.EnsureAccountAsync("t1/ann", CancellationToken.None) };
        asked.Should().OnlyContain(t => !t.IsCompleted, "the account is not made yet");
        release.SetResult();
        await Task.WhenAll(asked);

        synapse.Count("PUT account @ann").Should().Be(1, "one worker made the account; those who asked waited for it");
        Store.Users.FindById("t1/ann")!.UserId.Should().Be("@ann:test.example.org");
    }

    [Fact]
    public async Task SomeoneWhoLeftTheSpaceIsNotInvitedAgainOnTheNextChange()
    {
        await PutAsync("tenants/t1", new { name = "T1" });
        await PutAsync("tenants/t1/users/ann", new { name = "Ann", handle = "ann" });
        var reconciler = service.Services.GetRequiredService<Reconciler>();
        await reconciler.EnsureAccountAsync("t1/ann", CancellationToken.None);
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/space"), CancellationToken.None);
        var space = Store.Rooms.FindById("t1/space")!.RoomId!;
        synapse.Count($"invite {space} @ann").Should().Be(1);

        var leave = new
        {
            events = new[]
            {
                new
                {
                    type = "m.room.member", state_key = "@ann:test.example.org", sender = "@ann:test.example.org", room_id = space,
                    event_id = "$leave1", origin_server_ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), content = new { membership = "leave" },
                },
            },
        };
        (await service.Private().PutAsJsonAsync("/_matrix/app/v1/transactions/txn-leave", leave)).EnsureSuccessStatusCode();
        await Until(() => Store.Users.FindById("t1/ann")!.LeftSpace, "Ann's leave noted");
        await PutAsync("tenants/t1/users/bob", new { name = "Bob", handle = "bob" });
        await reconciler.EnsureAccountAsync("t1/bob", CancellationToken.None);
        await Backlog.EnqueueAndWaitAsync(ReconcileKey.Room("t1/space"), CancellationToken.None);

        synapse.Count($"invite {space} @bob").Should().Be(1, "the space changed: Bob is in the tenant now");
        synapse.Count($"invite {space} @ann").Should().Be(1, "Ann left on her own and is not invited again");
    }

    [Fact]
    public async Task AReconcileOfATenantIsAJobWhoseProgressTheWorkersReport()
    {
        await PutAsync("tenants/t1", new { name = "T1" });
        await PutAsync("tenants/t1/events/party", new { name = "Party", visibility = "private" });
        await PutAsync("tenants/t1/groups/club", new { name = "Club", visibility = "public" });

        var started = await Api.PostAsJsonAsync("/internal/reconcile", new { tenantId = "t1" });

        started.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted);
        var job = await started.ReadAsync();
        job.GetProperty("rooms").GetInt32().Should().Be(3, "the space, the event and the group");
        started.Headers.Location!.ToString().Should().Be($"/internal/reconcile/{job.GetProperty("jobId").GetString()}");
        await service.Services.GetRequiredService<ReconcileJobs>().Find(job.GetProperty("jobId").GetString()!)!.Completion;
        var done = await (await Api.GetAsync(started.Headers.Location)).ReadAsync();
        done.GetProperty("state").GetString().Should().Be("done");
        done.GetProperty("done").GetInt32().Should().Be(3);
        done.GetProperty("failed").GetInt32().Should().Be(0);
        var status = await (await Api.GetAsync("/internal/status")).ReadAsync();
        status.GetProperty("reconcileJobs").EnumerateArray().Should().ContainSingle(j => j.GetProperty("jobId").GetString() == job.GetProperty("jobId").GetString()
            && j.GetProperty("state").GetString() == "done", "the contract puts a job's progress in the status");
        (await Api.GetAsync("/internal/reconcile/nosuchjob")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    private int Waits() => service.Log.ToString().Split('\n').Count(l => l.Contains("t1/event/party waits for t1/space", StringComparison.Ordinal));

    private async Task PutAsync(string path, object body) =>
        (await Api.PutAsJsonAsync($"/internal/{path}", body)).EnsureSuccessStatusCode();

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        condition().Should().BeTrue(what);
    }
}
