using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Matrix;

/// <summary>
/// At start: registers the bot and asks Synapse to ping us (MSC2659), which proves both directions
/// and both tokens. Synapse may not be up yet, so it retries with backoff and says why.
/// </summary>
public sealed partial class HomeserverPing(
    MatrixClient matrix,
    AppConfig config,
    IHostApplicationLifetime lifetime,
    ILogger<HomeserverPing> logger) : BackgroundService
{
    /// <summary>The last attempt's outcome; null before the first.</summary>
    public HomeserverPingResult? LastResult { get; private set; }

    // Whatever goes wrong, it tries again: a failure here must not stop the service.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Synapse's ping comes back to our listener: wait until it accepts connections.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await matrix.EnsureBotRegisteredAsync(stoppingToken);
                var duration = await matrix.PingAsync($"startup-{attempt}", stoppingToken);
                // Before the ping counts as done, so whatever waits for it finds the bot named.
                await SetDisplayNameAsync(stoppingToken);
                LastResult = new HomeserverPingResult(DateTimeOffset.UtcNow, true, duration, null);
                LogReached(config.Homeserver.Url, duration);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LastResult = new HomeserverPingResult(DateTimeOffset.UtcNow, false, null, e.Message);
                LogNotReached(config.Homeserver.Url, e.Message, delay.TotalSeconds);
            }

            await Task.Delay(delay, stoppingToken);
            delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
        }
    }

    private async Task SetDisplayNameAsync(CancellationToken ct)
    {
        try
        {
            await matrix.EnsureDisplayNameAsync(config.Appservice.BotDisplayname, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogDisplayName(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Synapse at {Url} pinged us back in {DurationMs} ms")]
    private partial void LogReached(string url, long durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Synapse at {Url} not reached yet ({Reason}); retrying in {Seconds} s")]
    private partial void LogNotReached(string url, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not set the bot's display name: {Reason}")]
    private partial void LogDisplayName(string reason);
}
