namespace OpenMeet.AppService.Matrix;

/// <summary>
/// Asks Synapse for its versions every few seconds (one request at a time, short timeout), so an
/// outage is noticed while nothing else calls it, a hang (a stopped process keeps its connections
/// open) as well as a refusal, and its end is noticed without other work retrying into it.
/// </summary>
public sealed partial class SynapseWatch(
    MatrixClient matrix,
    SynapseReachability synapse,
    ILogger<SynapseWatch> logger) : BackgroundService
{
    public static readonly TimeSpan EveryWhileUp = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan EveryWhileDown = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        synapse.Recovered += outage => LogRecovered(outage.From, outage.To, outage.Duration.TotalSeconds);
        var noticed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            await matrix.ProbeAsync(Timeout, stoppingToken);
            if (synapse.DownSince is { } since)
            {
                if (!noticed)
                {
                    LogUnreachable(since);
                }

                noticed = true;
            }
            else
            {
                noticed = false;
            }

            await Task.Delay(noticed ? EveryWhileDown : EveryWhileUp, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Synapse does not answer (since {Since:o}); work that needs it waits")]
    private partial void LogUnreachable(DateTimeOffset since);

    [LoggerMessage(Level = LogLevel.Information, Message = "Synapse answers again after an outage from {From:o} to {To:o} ({Seconds:0} s)")]
    private partial void LogRecovered(DateTimeOffset from, DateTimeOffset to, double seconds);
}
