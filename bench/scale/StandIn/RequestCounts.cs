using System.Collections.Concurrent;

namespace OpenMeet.Bench.Scale.StandIn;

/// <summary>Requests the stand-in answered, by method and route template; a phase takes and resets them.</summary>
public sealed class RequestCounts
{
    private ConcurrentDictionary<string, long> counts = new(StringComparer.Ordinal);

    public long Last { get; private set; }

    /// <summary>Counts a request; <paramref name="work"/> false for the reachability probes the service
    /// sends every few seconds whatever it does, which do not make the stand-in busy.</summary>
    public void Count(string endpoint, bool work = true)
    {
        counts.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
        if (work)
        {
            Last = Environment.TickCount64;
        }
    }

    public TimeSpan IdleFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Last);

    public long Total => counts.Values.Sum();

    /// <summary>What was counted since the last call, and a fresh start.</summary>
    public IReadOnlyDictionary<string, long> TakeAndReset() =>
        Interlocked.Exchange(ref counts, new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
}
