using OpenMeet.AppService.Configuration;

using OpenMeet.Oidc.AuthService;

namespace OpenMeet.AppService.Matrix;

/// <summary>
/// Asks Synapse to ping us (MSC2659), which proves both directions and both tokens. At start it first
/// registers the bot (and, when our issuer is Synapse's auth service, makes sure the account that
/// <c>homeserver.admin_token</c> stands for exists: Synapse refuses a token of an unknown user); Synapse
/// may not be up yet, so it retries with backoff and says why. Then again
/// every <see cref="Every"/>, so that readiness knows the way in still works while no transaction comes.
/// </summary>
public sealed partial class HomeserverPing(
    MatrixClient matrix,
    SynapseMas mas,
    AppConfig config,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<HomeserverPing> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(30);

    /// <summary>A repeated ping waits no longer for its answer: a hung Synapse must not hold up the next.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The last attempt's outcome; null before the first.</summary>
    public HomeserverPingResult? LastResult { get; private set; }

    /// <summary>The last ping Synapse answered; null until the start-up one has (the bot is registered and named by then).</summary>
    public HomeserverPingResult? LastSuccess { get; private set; }

    // Whatever goes wrong, it tries again: a failure here must not stop the service.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Synapse's ping comes back to our listener: wait until it accepts connections.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        await FirstPingAsync(stoppingToken);
        var failing = false;
        for (var n = 1; ; n++)
        {
            await Task.Delay(Every, time, stoppingToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(Timeout);
            try
            {
                var duration = await matrix.PingAsync($"repeat-{n}", timeout.Token);
                Record(true, duration, null);
                if (failing)
                {
                    LogAnsweredAgain(duration);
                }

                failing = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                var reason = e is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.Message;
                Record(false, null, reason);
                if (!failing)
                {
                    LogRepeatFailed(config.Homeserver.Url, reason, Every.TotalSeconds);
                }

                failing = true;
            }
        }
    }

    private async Task FirstPingAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await matrix.EnsureBotRegisteredAsync(stoppingToken);
                if (config.Oidc.IsAuthService && config.Homeserver.AdminToken.Length > 0)
                {
                    await mas.ProvisionUserAsync(config.Oidc.MatrixAuthService.AdminUser, null, null, null, stoppingToken);
                    // The admin token's device: Synapse needs one to send events (its transaction ids are per device).
                    await mas.UpsertDeviceAsync(config.Oidc.MatrixAuthService.AdminUser, HomeserverAdmin.DeviceId, "OpenMeet service", stoppingToken);
                }

                var duration = await matrix.PingAsync($"startup-{attempt}", stoppingToken);
                // Before the ping counts as done, so whatever waits for it finds the bot named.
                await SetDisplayNameAsync(stoppingToken);
                Record(true, duration, null);
                LogReached(config.Homeserver.Url, duration);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Record(false, null, e.Message);
                LogNotReached(config.Homeserver.Url, e.Message, delay.TotalSeconds);
            }

            await Task.Delay(delay, time, stoppingToken);
            delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
        }
    }

    private void Record(bool ok, long? durationMs, string? error)
    {
        var result = new HomeserverPingResult(time.GetUtcNow(), ok, durationMs, error);
        LastResult = result;
        if (ok)
        {
            LastSuccess = result;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Synapse at {Url} did not ping us back ({Reason}); asking again every {Seconds} s")]
    private partial void LogRepeatFailed(string url, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Synapse pings us back again ({DurationMs} ms)")]
    private partial void LogAnsweredAgain(long durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not set the bot's display name: {Reason}")]
    private partial void LogDisplayName(string reason);
}
