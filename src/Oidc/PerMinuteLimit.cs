using System.Threading.RateLimiting;

namespace OpenMeet.Oidc;

/// <summary>
/// So many requests a minute per key (a person, an address); a key idle for a while is forgotten by
/// the limiter. The issuer's limits derive from it, one type each for the container.
/// </summary>
public abstract class PerMinuteLimit(int perMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        }));

    /// <summary>True while the key has requests left this minute (and takes one).</summary>
    public bool TryTake(string key)
    {
        using var lease = limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        limiter.Dispose();
        GC.SuppressFinalize(this);
    }
}
