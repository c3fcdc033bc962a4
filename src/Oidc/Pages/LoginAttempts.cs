using System.Collections.Concurrent;

namespace OpenMeet.Oidc.Pages;

/// <summary>
/// Failed sign-ins, limited per account and per address over a sliding quarter hour. Accounts and
/// addresses with no failure in the window are forgotten (swept every <see cref="SweepEvery"/>
/// failures), so the table holds no more than the last quarter hour's failures.
/// </summary>
public sealed class LoginAttempts
{
    public const int PerAccount = 5;
    public const int PerAddress = 20;
    public const int SweepEvery = 1024;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTime>> failures = new(StringComparer.Ordinal);
    private int sinceSweep;

    /// <summary>Accounts and addresses with failures remembered.</summary>
    internal int Tracked => failures.Count;

    public bool Blocked(string account, string address) =>
        Count("account:" + account, DateTime.UtcNow) >= PerAccount || Count("address:" + address, DateTime.UtcNow) >= PerAddress;

    public void Failed(string account, string address)
    {
        failures.GetOrAdd("account:" + account, _ => new()).Enqueue(DateTime.UtcNow);
        failures.GetOrAdd("address:" + address, _ => new()).Enqueue(DateTime.UtcNow);
        if (Interlocked.Increment(ref sinceSweep) % SweepEvery == 0)
        {
            Sweep(DateTime.UtcNow);
        }
    }

    internal void Sweep(DateTime now)
    {
        foreach (var key in failures.Keys)
        {
            if (Count(key, now) == 0)
            {
                failures.TryRemove(key, out _);
            }
        }
    }

    private int Count(string key, DateTime now)
    {
        if (!failures.TryGetValue(key, out var times))
        {
            return 0;
        }

        while (times.TryPeek(out var at) && at < now - Window)
        {
            times.TryDequeue(out _);
        }

        return times.Count;
    }
}
