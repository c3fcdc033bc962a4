using System.Collections.Concurrent;

namespace OpenMeet.Oidc.Pages;

/// <summary>Failed sign-ins, limited per account and per address over a sliding quarter hour.</summary>
public sealed class LoginAttempts
{
    public const int PerAccount = 5;
    public const int PerAddress = 20;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTime>> failures = new(StringComparer.Ordinal);

    public bool Blocked(string account, string address) =>
        Count("account:" + account) >= PerAccount || Count("address:" + address) >= PerAddress;

    public void Failed(string account, string address)
    {
        failures.GetOrAdd("account:" + account, _ => new()).Enqueue(DateTime.UtcNow);
        failures.GetOrAdd("address:" + address, _ => new()).Enqueue(DateTime.UtcNow);
    }

    private int Count(string key)
    {
        if (!failures.TryGetValue(key, out var times))
        {
            return 0;
        }

        while (times.TryPeek(out var at) && at < DateTime.UtcNow - Window)
        {
            times.TryDequeue(out _);
        }

        return times.Count;
    }
}
