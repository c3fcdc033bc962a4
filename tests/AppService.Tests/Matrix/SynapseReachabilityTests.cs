using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Tests.Matrix;

/// <summary>When Synapse counts as unreachable, what waits for it, and which outages are announced.</summary>
public sealed class SynapseReachabilityTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task AnOutageIsMeasuredFromTheFirstUnansweredRequestAndAnnouncedOnceItIsOver()
    {
        var clock = new Clock();
        var synapse = new SynapseReachability(clock);
        var outages = new List<SynapseOutage>();
        synapse.Recovered += outages.Add;
        var sent = synapse.Sending();
        clock.Now += TimeSpan.FromSeconds(5);
        synapse.NotAnswered(sent);
        var waiting = synapse.WaitUntilReachableAsync(CancellationToken.None);
        clock.Now += TimeSpan.FromSeconds(20);
        synapse.NotAnswered(synapse.Sending());

        waiting.IsCompleted.Should().BeFalse("work that needs Synapse waits while it does not answer");
        synapse.DownSince.Should().Be(sent, "the outage began when the first unanswered request was sent (a hang times out later)");

        synapse.Sending();
        synapse.Answered();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        outages.Should().ContainSingle().Which.Should().Be(new SynapseOutage(sent, clock.Now));
        synapse.DownSince.Should().BeNull();
        synapse.InFlight.Should().Be(0);
        (synapse.Requests, synapse.Failures).Should().Be((3L, 2L));
    }

    [Fact]
    public void AFailureShorterThanTheThresholdIsNoOutage()
    {
        var clock = new Clock();
        var synapse = new SynapseReachability(clock);
        var outages = new List<SynapseOutage>();
        synapse.Recovered += outages.Add;

        synapse.NotAnswered(synapse.Sending());
        clock.Now += SynapseReachability.OutageThreshold - TimeSpan.FromMilliseconds(1);
        synapse.Sending();
        synapse.Answered();
        synapse.Sending();
        synapse.Answered();

        outages.Should().BeEmpty();
        synapse.WaitUntilReachableAsync(CancellationToken.None).IsCompleted.Should().BeTrue();
    }
}
