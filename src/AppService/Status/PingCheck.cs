using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Status;

/// <summary>
/// Readiness: Synapse answered one of our pings (<see cref="HomeserverPing"/>: at start, then every 30 s)
/// recently, so transactions can reach us and our token is good. Two missed pings in a row are
/// tolerated; a third turns it red.
/// </summary>
public sealed class PingCheck(HomeserverPing ping, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan StaleAfter = HomeserverPing.Every * 3;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var last = ping.LastResult;
        var failure = last is { Ok: false } ? $"; the last attempt, {Seconds(now - last.At)} ago, failed: {last.Error}" : "";
        return Task.FromResult(ping.LastSuccess switch
        {
            null => HealthCheckResult.Unhealthy($"Synapse has not pinged us back yet ({last?.Error ?? "not tried yet"})"),
            var ok when now - ok.At > StaleAfter => HealthCheckResult.Unhealthy(
                $"Synapse last pinged us back {Seconds(now - ok.At)} ago (more than {Seconds(StaleAfter)}){failure}"),
            var ok => HealthCheckResult.Healthy($"Synapse pinged us back {Seconds(now - ok.At)} ago, in {ok.DurationMs} ms{failure}"),
        });
    }

    private static string Seconds(TimeSpan age) => $"{Math.Max(0, age.TotalSeconds):0} s";
}
