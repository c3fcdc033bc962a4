using System.Collections.Concurrent;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>One reconcile of many rooms someone asked for, and how far it got.</summary>
public sealed class ReconcileJob(string id, string target, int rooms, DateTime startedAt)
{
    private const int FailuresKept = 20;
    private readonly ConcurrentQueue<string> failures = new();
    private int done;
    private int failed;
    private long finishedAtTicks;

    public string Id { get; } = id;
    public string Target { get; } = target;
    public int Rooms { get; } = rooms;
    public DateTime StartedAt { get; } = startedAt;
    public int Done => Volatile.Read(ref done);
    public int FailedCount => Volatile.Read(ref failed);
    public IReadOnlyList<string> Failures => [.. failures];
    public bool Finished => Done + FailedCount >= Rooms;
    public DateTime? FinishedAt => Interlocked.Read(ref finishedAtTicks) is > 0 and var ticks ? new DateTime(ticks, DateTimeKind.Utc) : null;

    /// <summary>What the internal API and the status say of it.</summary>
    public ReconcileJobReport Report() => new(Id, Target, Finished ? "done" : "running", Rooms, Done, FailedCount, Failures, StartedAt, FinishedAt);

    /// <summary>Ends when every room's reconcile has ended (or the service stops).</summary>
    public Task Completion { get; internal set; } = Task.CompletedTask;

    internal void Succeeded()
    {
        Interlocked.Increment(ref done);
        NoteEnd();
    }

    internal void Failed(string key, string reason)
    {
        if (failures.Count < FailuresKept)
        {
            failures.Enqueue($"{key}: {reason}");
        }

        Interlocked.Increment(ref failed);
        NoteEnd();
    }

    private void NoteEnd()
    {
        if (Finished)
        {
            Interlocked.CompareExchange(ref finishedAtTicks, DateTime.UtcNow.Ticks, 0);
        }
    }
}

public sealed record ReconcileJobReport(string JobId, string Target, string State, int Rooms, int Done, int Failed, IReadOnlyList<string> Failures,
    DateTime StartedAt, DateTime? FinishedAt);
