using System.Collections.Concurrent;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Reconciles someone asked for of many rooms (a tenant, everything): started at once as a job whose
/// progress is counted as each room's reconcile ends (the workers say so; nobody reads the store
/// to find out). The last <see cref="Kept"/> jobs are remembered, in memory.
/// </summary>
public sealed class ReconcileJobs(Reconciler reconciler, IHostApplicationLifetime lifetime)
{
    private const int Kept = 50;
    private readonly ConcurrentDictionary<string, ReconcileJob> jobs = new(StringComparer.Ordinal);

    public ReconcileJob Start(string target, IReadOnlyList<RoomDoc> rooms)
    {
        var job = new ReconcileJob(Guid.NewGuid().ToString("N")[..12], target, rooms.Count, DateTime.UtcNow);
        jobs[job.Id] = job;
        foreach (var old in jobs.Values.OrderByDescending(j => j.StartedAt).Skip(Kept))
        {
            jobs.TryRemove(old.Id, out _);
        }

        job.Completion = Task.WhenAll(rooms.Select(r => TrackAsync(job, r.Id, reconciler.ReconcileAfreshAsync(r, lifetime.ApplicationStopping))));
        return job;
    }

    public ReconcileJob? Find(string id) => jobs.GetValueOrDefault(id);

    /// <summary>The latest jobs, newest first.</summary>
    public IReadOnlyList<ReconcileJob> Latest(int count) => [.. jobs.Values.OrderByDescending(j => j.StartedAt).Take(count)];

    private static async Task TrackAsync(ReconcileJob job, string key, Task run)
    {
        try
        {
            await run;
            job.Succeeded();
        }
        catch (OperationCanceledException)
        {
            // The service is stopping: the room is swept again at the next start.
        }
        catch (Exception e)
        {
            // Retried with backoff like any failed reconcile; the job reports the first outcome.
            job.Failed(key, e.Message);
        }
    }
}
