using System.Collections.Concurrent;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// Failures of any feature (a reconcile, a consumer, a command), counted for the last hour. At most
/// <see cref="Capacity"/> are remembered: past that the count says "at least".
/// </summary>
public sealed class RecentErrors
{
    public const int Capacity = 10_000;
    private readonly ConcurrentQueue<DateTime> errors = new();

    public void Occurred()
    {
        errors.Enqueue(DateTime.UtcNow);
        Trim();
    }

    public int InLastHour
    {
        get
        {
            Trim();
            return errors.Count;
        }
    }

    private void Trim()
    {
        var hourAgo = DateTime.UtcNow.AddHours(-1);
        while (errors.TryPeek(out var at) && (at < hourAgo || errors.Count > Capacity))
        {
            errors.TryDequeue(out _);
        }
    }
}
