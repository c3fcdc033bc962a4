using System.Net;

namespace OpenMeet.Oidc.Pages;

/// <summary>
/// Failed sign-ins as growing waits, not a lock: after <see cref="FreeFailures"/> failures of an account,
/// or from an address, the next try waits 1 s, then 2, 4, 8... An account's wait stops at a minute (anyone
/// can make an account wait, so it stays short); an address's at a quarter hour. Forgotten
/// <see cref="ForgetAfter"/> after the last failure; a sign-in clears its account. Accounts are known
/// people only (the caller resolves the name), addresses are IPv4 or IPv6 /64; each table holds at most
/// <see cref="MaxEntries"/>, the longest quiet going first.
/// </summary>
public sealed class LoginAttempts(TimeProvider? clock = null)
{
    public const int FreeFailures = 3;
    public const int MaxEntries = 100_000;
    public const int SweepEvery = 1024;
    public static readonly TimeSpan AccountCap = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan AddressCap = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly Dictionary<string, Failures> accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Failures> addresses = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private int sinceSweep;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Accounts and addresses with failures remembered.</summary>
    internal int Tracked
    {
        get
        {
            lock (gate)
            {
                return accounts.Count + addresses.Count;
            }
        }
    }

    /// <summary>The keys remembered, accounts then addresses.</summary>
    internal IReadOnlyList<string> Keys
    {
        get
        {
            lock (gate)
            {
                return [.. accounts.Keys, .. addresses.Keys];
            }
        }
    }

    /// <summary>The key an address is counted under: IPv4 as it is (also when mapped into IPv6), IPv6 by its /64.</summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "?";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>How long the next try of the account (null: no known account) from the address must still wait.</summary>
    public TimeSpan Wait(string? account, string address)
    {
        var now = Now;
        lock (gate)
        {
            var byAccount = account is not null && accounts.TryGetValue(account, out var a) ? a.Wait(now, AccountCap) : TimeSpan.Zero;
            var byAddress = addresses.TryGetValue(address, out var b) ? b.Wait(now, AddressCap) : TimeSpan.Zero;
            return byAccount > byAddress ? byAccount : byAddress;
        }
    }

    public void Failed(string? account, string address)
    {
        var now = Now;
        lock (gate)
        {
            if (account is not null)
            {
                Count(accounts, account, now);
            }

            Count(addresses, address, now);
            if (++sinceSweep % SweepEvery == 0)
            {
                Sweep(now);
            }
        }
    }

    /// <summary>A sign-in: the account starts afresh. Its address does not (an account of one's own would reset it).</summary>
    public void Succeeded(string account)
    {
        lock (gate)
        {
            accounts.Remove(account);
        }
    }

    internal void Sweep(DateTime now)
    {
        lock (gate)
        {
            Forget(accounts, now);
            Forget(addresses, now);
        }
    }

    private static void Count(Dictionary<string, Failures> table, string key, DateTime now)
    {
        if (table.TryGetValue(key, out var known) && now - known.Last <= ForgetAfter)
        {
            table[key] = new(known.Count + 1, now);
            return;
        }

        if (!table.ContainsKey(key) && table.Count >= MaxEntries)
        {
            Forget(table, now);
            if (table.Count >= MaxEntries)
            {
                // Full of recent failures: the longest quiet tenth goes.
                foreach (var quiet in table.OrderBy(e => e.Value.Last).Take(MaxEntries / 10).Select(e => e.Key).ToList())
                {
                    table.Remove(quiet);
                }
            }
        }

        table[key] = new(1, now);
    }

    private static void Forget(Dictionary<string, Failures> table, DateTime now)
    {
        foreach (var key in table.Where(e => now - e.Value.Last > ForgetAfter).Select(e => e.Key).ToList())
        {
            table.Remove(key);
        }
    }

    private readonly record struct Failures(int Count, DateTime Last)
    {
        public TimeSpan Wait(DateTime now, TimeSpan cap)
        {
            if (Count <= FreeFailures || now - Last > ForgetAfter)
            {
                return TimeSpan.Zero;
            }

            var delay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Count - FreeFailures - 1), cap.TotalSeconds));
            var left = Last + delay - now;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }
}
