using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Tests.Handles;

/// <summary>Claims on the real store (LiteDB in memory); no Synapse, so no admin API look-ups.</summary>
public sealed class HandleClaimsTests : IDisposable
{
    private readonly LiteDatabase db = new(new MemoryStream());
    private readonly HandleClaims claims;
    private readonly Store store;

    public HandleClaimsTests()
    {
        var config = new AppConfig { Homeserver = { ServerName = "hs.test" } };
        store = new Store(db);
        var reachability = new SynapseReachability(TimeProvider.System);
        var matrix = new MatrixClient(new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") }, config, new ClientTxnIds(), reachability, new SynapseMetrics(TestMeters.Factory(), reachability), NullLogger<MatrixClient>.Instance);
        claims = new HandleClaims(db, new HandleRules([], "openmeet-bot"), new SynapseAdmin(matrix, config), new SynapseMas(matrix, config), store, new AuditLog(db, NullLogger<AuditLog>.Instance), new HandleMetrics(TestMeters.Factory()), config);
    }

    public void Dispose() => db.Dispose();

    [Fact]
    public async Task ClaimIsRecordedOnTheUserAndIsPermanent()
    {
        store.Users.Insert(new UserDoc { Id = "t1/alice", TenantId = "t1", Slug = "alice", Name = "Alice" });

        (await claims.ClaimAsync("t1/alice", "Alice.Smith", "test", default)).Should().Be(new ClaimOutcome(ClaimStatus.Claimed, "alice.smith", null));

        store.Users.FindById("t1/alice").Handle.Should().Be("alice.smith");
        (await claims.ClaimAsync("t1/alice", "alice.smith", "test", default)).Status.Should().Be(ClaimStatus.AlreadyYours);
        var other = await claims.ClaimAsync("t1/alice", "alice2", "test", default);
        other.Status.Should().Be(ClaimStatus.HasAnother);
        other.Reason.Should().Be("You have the handle 'alice.smith' already; handles are permanent.");
    }

    [Fact]
    public async Task HandlesAreUniqueAcrossTenantsCaseFolded()
    {
        await claims.ClaimAsync("t1/alice", "alice", "test", default);

        var taken = await claims.ClaimAsync("t2/alice", "ALICE", "test", default);

        taken.Should().Be(new ClaimOutcome(ClaimStatus.Taken, "alice", "'alice' is taken."));
    }

    [Fact]
    public async Task TwoPeopleClaimingOneHandleAtOnceExactlyOneWins()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            Task.Run(() => claims.ClaimAsync($"t1/user{i}", "popular", "test", default))));

        outcomes.Count(o => o.Status == ClaimStatus.Claimed).Should().Be(1);
        outcomes.Count(o => o.Status == ClaimStatus.Taken).Should().Be(31);
        db.GetCollection<HandleDoc>("handles").Count().Should().Be(1);
    }

    [Fact]
    public async Task OnePersonClaimingTwoHandlesAtOnceGetsOne()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => claims.ClaimAsync("t1/alice", $"alice{i}", "test", default))));

        outcomes.Count(o => o.Status == ClaimStatus.Claimed).Should().Be(1);
        outcomes.Where(o => o.Status != ClaimStatus.Claimed).Should().AllSatisfy(o => o.Status.Should().Be(ClaimStatus.HasAnother));
    }

    [Fact]
    public async Task CheckExplainsAndSuggestsAvailableHandles()
    {
        await claims.ClaimAsync("t1/john", "john.doe", "test", default);
        await claims.ClaimAsync("t1/john2", "john.doe1", "test", default);

        var check = await claims.CheckAsync("John.Doe", "John Doe", "t1/other", default);

        check.Handle.Should().Be("john.doe");
        check.Available.Should().BeFalse();
        check.Reason.Should().Be("'john.doe' is taken.");
        check.Suggestions.Should().HaveCount(5).And.NotContain("john.doe").And.NotContain("john.doe1").And.Contain("john.doe2");
    }

    [Fact]
    public async Task CheckOfOnesOwnHandleIsAvailable()
    {
        await claims.ClaimAsync("t1/john", "john.doe", "test", default);

        (await claims.CheckAsync("john.doe", null, "t1/john", default)).Available.Should().BeTrue();
        (await claims.CheckAsync("root", null, "t1/john", default)).Reason.Should().Be("'root' is reserved.");
    }
}
