using System.Diagnostics;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// Keeps a background loop running: an exception it did not expect is logged and counted, and the
/// loop starts again after a pause that doubles up to a minute (back to a second once a run has
/// lasted a minute). Only the host's stopping ends it: no failure of one feature stops the service.
/// </summary>
public sealed partial class Supervisor(RecentErrors errors, ILogger<Supervisor> logger)
{
    public TimeSpan FirstPause { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxPause { get; init; } = TimeSpan.FromMinutes(1);

    public long Restarts => Interlocked.Read(ref restarts);

    private long restarts;

    /// <summary>Runs <paramref name="loop"/> until it returns or the host stops, restarting it after a failure.</summary>
    public async Task RunAsync(string name, Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        var pause = FirstPause;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await loop(stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                errors.Occurred();
                Interlocked.Increment(ref restarts);
                if (Stopwatch.GetElapsedTime(started) > MaxPause)
                {
                    pause = FirstPause;
                }

                LogRestarting(e, name, pause.TotalSeconds);
            }

            try
            {
                await Task.Delay(pause, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPause.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Name} failed; it starts again in {Seconds} s")]
    private partial void LogRestarting(Exception exception, string name, double seconds);
}
