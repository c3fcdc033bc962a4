using System.Collections.Concurrent;

namespace OpenMeet.AppService.Hosting;

/// <summary>Failures of any feature (a reconcile, a consumer, a command), counted for the last hour.</summary>
public sealed class RecentErrors
{
    private readonly ConcurrentQueue<DateTime> errors = new();

    public void Occurred() => errors.Enqueue(DateTime.UtcNow);

    public int InLastHour
    {
        get
        {
            var hourAgo = DateTime.UtcNow.AddHours(-1);
            while (errors.TryPeek(out var at) && at < hourAgo)
            {
                errors.TryDequeue(out _);
            }

            return errors.Count;
        }
    }
}
