using System.Threading.RateLimiting;

namespace OpenMeet.Oidc.Pages;

/// <summary>
/// The handle picker's look-ups (about six Synapse admin calls each) per signed-in person: 60 a minute,
/// the public API's limit for /api/handles/check. A person idle for a while is forgotten by the limiter.
/// </summary>
public sealed class HandleCheckLimit : IDisposable
{
    public const int PerMinute = 60;

    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(userKey =>
        RateLimitPartition.GetFixedWindowLimiter(userKey, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = PerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        }));

    /// <summary>True while the person has look-ups left this minute (and takes one).</summary>
    public bool TryTake(string userKey)
    {
        using var lease = limiter.AttemptAcquire(userKey);
        return lease.IsAcquired;
    }

    public void Dispose() => limiter.Dispose();
}
