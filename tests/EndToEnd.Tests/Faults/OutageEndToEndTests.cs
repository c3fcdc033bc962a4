using System.Diagnostics;

namespace OpenMeet.EndToEnd.Tests.Faults;

/// <summary>
/// Synapse goes away in the middle of reconciling new rooms, stopped (connections refused) or hung
/// (SIGSTOP: connections accepted, nothing answered), then comes back. Counted from the service's own
/// counter of requests to Synapse (/metrics, read four times a second):
/// <list type="bullet">
/// <item>While it is away, after the first 10 s, at most 2 requests a second: the watch asks every
/// 2 s (a hung one every 7 s: 5 s timeout + 2 s) and the reconcile workers wait for it instead of
/// retrying. The first 10 s hold what was under way: a worker's current call retries at most 6 times
/// (0.2 s doubling, about 6 s in all) before its room fails and the worker waits, so the whole outage
/// costs at most workers × 6 + one probe per 2 s + 5.</item>
/// <item>No storm when it is back: never more requests in flight at once than the reconcile workers
/// + 3 (the watch, a bot notice, a health check), however many rooms failed meanwhile.</item>
/// </list>
/// The bot reports the outage in the management room, and every room converges.
/// </summary>
[Collection(nameof(LiveStackFixture))]
[Trait("Category", "Faults")]
public sealed class OutageEndToEndTests(LiveStackFixture stack)
{
    private readonly OpenMeet om = new(stack);

    [Fact]
    public Task SynapseStoppedWhileReconcilingIsWaitedForReportedAndCaughtUpWith() => OutageAsync("stopped", hang: false);

    [Fact]
    public Task SynapseHungWhileReconcilingIsWaitedForReportedAndCaughtUpWith() => OutageAsync("hung", hang: true);

    private async Task OutageAsync(string name, bool hang)
    {
        var results = new FaultResults($"outage-{name}");
        var bot = new ManagementRoomLog(stack);
        var rooms = FaultSizes.Rooms;
        var outage = FaultSizes.OutageSeconds;
        var tenant = $"e2e{OpenMeet.Run}{name}{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = $"Synapse {name}" });
        await om.PutAsync($"tenants/{tenant}/users/host", new { name = "Host", handle = $"{tenant}.host" });
        await om.PutAsync($"tenants/{tenant}/users/guest", new { name = "Guest", handle = $"{tenant}.guest" });
        await om.PutAsync($"tenants/{tenant}/events/warmup", new { name = "Warm-up", visibility = "private" });
        await om.PutAsync($"tenants/{tenant}/events/warmup/members/host", new { role = "host" });
        await om.ConvergedAsync(tenant, "events", "warmup", seconds: 120);

        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var sampler = new MetricsSampler(stack.Service(null), TimeSpan.FromMilliseconds(250));
        for (var i = 0; i < rooms; i++)
        {
            await om.PutAsync($"tenants/{tenant}/events/e{i}", new { name = $"Event {i}", visibility = "private" });
            await om.PutAsync($"tenants/{tenant}/events/e{i}/members/host", new { role = "host" });
            await om.PutAsync($"tenants/{tenant}/events/e{i}/members/guest", new { role = "speaker" });
        }

        // In the middle: some rooms made, not all.
        await Task.Delay(1_000);
        var pid = stack["SYNAPSE_PID"];
        var down = sampler.Now;
        await SignalAsync(hang ? "STOP" : "TERM", pid);
        if (!hang)
        {
            using var synapse = Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
            await synapse.WaitForExitAsync();
        }

        await Task.Delay(TimeSpan.FromSeconds(outage));
        var end = sampler.Now;
        if (hang)
        {
            await SignalAsync("CONT", pid);
        }
        else
        {
            await LiveStackFixture.Script(LiveStackFixture.Up, TimeSpan.FromMinutes(5));
            await stack.ReadEnvAsync();
        }

        var back = sampler.Now;
        var notices = await Matrix.EventuallyAsync(async () =>
        {
            var found = bot.Notices(await bot.SinceAsync(started)).Where(n => n.Body.StartsWith("Synapse was unreachable", StringComparison.Ordinal)).ToList();
            return found.Count > 0 ? found : null;
        }, "the bot's report of the outage", seconds: 60);

        for (var i = 0; i < rooms; i++)
        {
            await om.ConvergedAsync(tenant, "events", $"e{i}", seconds: 300);
        }

        var converged = sampler.Now;
        await Task.Delay(1_000);
        var during = sampler.PerSecond(down + 10, end);
        var after = sampler.PerSecond(back, Math.Min(back + 10, converged));
        var total = sampler.Between(down, end);
        var samples = sampler.Samples;
        var peakInFlight = samples.Where(s => s.At >= down).Max(s => s.InFlight);
        results.Add("rooms being reconciled", rooms);
        results.Add("outage, s", outage + (hang ? " (SIGSTOP, then SIGCONT)" : " (SIGTERM; then dev.sh up, which takes a few seconds more)"));
        results.Add("requests to Synapse during the outage", total);
        results.Add("requests/s during the outage after its first 10 s (max, mean)", during.Count == 0 ? "none measured" : $"{during.Max()}, {during.Average():0.00}");
        results.Add("requests/s in the 10 s after its return (max, mean)", after.Count == 0 ? "none measured" : $"{after.Max()}, {after.Average():0.00}");
        results.Add("peak requests in flight from the outage on", peakInFlight);
        results.Add("all rooms converged after Synapse was back, s", $"{converged - back:0.0}");
        results.Add("bot's report", notices[^1].Body);

        during.Should().NotBeEmpty("the sampler read /metrics during the outage");
        during.Should().OnlyContain(n => n <= 2, "while Synapse is away only the watch asks it (per-second counts: {0})", string.Join(",", during));
        total.Should().BeLessThanOrEqualTo((FaultSizes.ReconcileWorkers * 6) + (outage / 2) + 5, "what was under way retries a bounded number of times");
        peakInFlight.Should().BeLessThanOrEqualTo(FaultSizes.ReconcileWorkers + 3, "no more at once than the workers, the watch, a notice and a health check");
        notices.Should().ContainSingle("one report per outage: {0}", string.Join(" | ", notices.Select(n => n.Body)))
            .Which.Body.Should().Contain("Reconciling resumed");
    }

    private static async Task SignalAsync(string signal, string pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid]);
        await kill.WaitForExitAsync();
        kill.ExitCode.Should().Be(0, $"kill -{signal} {pid}");
    }
}
