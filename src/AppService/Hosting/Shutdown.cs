using System.Diagnostics;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// A graceful stop (SIGTERM, Ctrl-C): once the host begins to stop, requests that would start new work
/// (Synapse's transactions and alias queries, the writes of the internal and public APIs) are answered
/// 503 with <c>Retry-After</c>, and their senders try again once the service is back; requests that came
/// in before run to their end, and Kestrel waits for them. Then the background loops are cancelled: what
/// they leave is durable (the inbox, the desired state) and picked up at the next start. All of it
/// within <c>shutdown.timeout_seconds</c>; what still runs then is abandoned.
/// </summary>
public sealed partial class Shutdown(IHostApplicationLifetime lifetime, AppConfig config, ILogger<Shutdown> logger)
{
    /// <summary>A restart takes a few seconds.</summary>
    public const string RetryAfterSeconds = "5";

    private long inFlight;
    private long stoppingAt;

    /// <summary>Whether the host has begun to stop: new work is refused from then on.</summary>
    public bool Begun => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Transactions and writes let in that have not been answered yet.</summary>
    public long InFlight => Interlocked.Read(ref inFlight);

    /// <summary>Logs the stop's beginning and end, each once.</summary>
    public void Watch()
    {
        lifetime.ApplicationStopping.Register(() =>
        {
            Interlocked.Exchange(ref stoppingAt, Stopwatch.GetTimestamp());
            LogStopping(InFlight, config.Shutdown.TimeoutSeconds);
        });
        lifetime.ApplicationStopped.Register(() =>
        {
            var seconds = Stopwatch.GetElapsedTime(Interlocked.Read(ref stoppingAt)).TotalSeconds;
            LogStopped(seconds);
        });
    }

    /// <summary>
    /// Answers <paramref name="refusal"/> once the stop has begun; until then, counts the request in
    /// flight while it runs.
    /// </summary>
    public async ValueTask<object?> AdmitAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, Func<IResult> refusal)
    {
        if (Begun)
        {
            context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
            return refusal();
        }

        Interlocked.Increment(ref inFlight);
        try
        {
            return await next(context);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Stopping: new transactions and writes are answered 503, the {InFlight} under way run to their end (at most {TimeoutSeconds} s for the whole stop)")]
    private partial void LogStopping(long inFlight, int timeoutSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "OpenMeet.AppService stopped in {Seconds:0.00} s")]
    private partial void LogStopped(double seconds);
}
