using System.Net;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Reconciliation;

namespace OpenMeet.AppService.Tests.Reconciliation;

public sealed class PlanExecutionTests
{
    private static readonly RoomAction[] Plan =
    [
        new Invite("@deactivated:hs"),
        new Invite("@bea:hs"),
        new Kick("@revoked:hs", "revoked"),
        new Kick("@other-tenant:hs", "not of this tenant"),
    ];

    private static Func<RoomAction, Task> Failing(RoomAction failing, Exception error) =>
        action => action == failing ? Task.FromException(error) : Task.CompletedTask;

    [Fact]
    public async Task ARefusedActionDoesNotKeepTheRemovalsAfterItFromHappening()
    {
        var applied = new List<RoomAction>();

        var refused = await PlanExecution.ApplyAsync(Plan,
            Failing(Plan[0], new MatrixException(HttpStatusCode.Forbidden, "M_FORBIDDEN", "user is deactivated", "POST invite")), applied.Add);

        applied.Should().Equal(Plan[1], Plan[2], Plan[3]);
        refused.Should().ContainSingle().Which.Should().Be("invite @deactivated:hs: M_FORBIDDEN user is deactivated");
    }

    [Theory]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task AFailureOfSynapseItselfStopsThePlan(HttpStatusCode status)
    {
        var applied = new List<RoomAction>();

        var run = () => PlanExecution.ApplyAsync(Plan, Failing(Plan[1], new MatrixException(status, "M_UNKNOWN", "down", "POST invite")), applied.Add);

        await run.Should().ThrowAsync<MatrixException>();
        applied.Should().Equal(Plan[0]);
    }

    [Fact]
    public async Task AnUnreachableSynapseStopsThePlan()
    {
        var applied = new List<RoomAction>();

        var run = () => PlanExecution.ApplyAsync(Plan, Failing(Plan[0], new HttpRequestException("Connection refused")), applied.Add);

        await run.Should().ThrowAsync<HttpRequestException>();
        applied.Should().BeEmpty();
    }
}
