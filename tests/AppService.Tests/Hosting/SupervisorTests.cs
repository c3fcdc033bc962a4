using Microsoft.Extensions.Logging.Abstractions;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.Tests.Hosting;

public sealed class SupervisorTests
{
    private readonly RecentErrors errors = new();

    private Supervisor Supervisor() => new(errors, NullLogger<Supervisor>.Instance) { FirstPause = TimeSpan.FromMilliseconds(10) };

    // The Matrix client's timeout is a TaskCanceledException: it is a failure, not the host stopping.
    [Fact]
    public async Task LoopThatFailsIsStartedAgainUntilItFinishes()
    {
        var supervisor = Supervisor();
        var runs = 0;

        await supervisor.RunAsync("test loop", _ => ++runs switch
        {
            1 => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout"),
            2 => throw new InvalidOperationException("something unexpected"),
            _ => Task.CompletedTask,
        }, CancellationToken.None);

        runs.Should().Be(3);
        supervisor.Restarts.Should().Be(2);
        errors.InLastHour.Should().Be(2);
    }

    [Fact]
    public async Task StoppingTheHostEndsALoopThatKeepsFailing()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var supervisor = Supervisor();

        var run = supervisor.RunAsync("test loop", _ => throw new IOException("disk full"), stop.Token);

        await run.WaitAsync(TimeSpan.FromSeconds(5));
        run.IsCompletedSuccessfully.Should().BeTrue();
        supervisor.Restarts.Should().BeGreaterThan(1);
    }

    [Fact]
    public void RecentErrorsAreBoundedWithoutBeingRead()
    {
        for (var i = 0; i < RecentErrors.Capacity + 500; i++)
        {
            errors.Occurred();
        }

        errors.InLastHour.Should().Be(RecentErrors.Capacity);
    }
}
