using System.Diagnostics;
using System.Collections.Concurrent;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// The controller: takes keys from the backlog, a bounded number at a time and each key by one worker,
/// and hands each to its reconcile (<see cref="RoomReconciler"/>, <see cref="AccountReconciler"/>).
/// Failures are retried with backoff (a 429 is waited out by the client); a key that needs another one
/// first waits on it. Every way in goes through the backlog: callers that need the outcome wait on
/// the key. While Synapse does not answer, the workers wait for it rather than fail key after key; once
/// it answers again, what failed meanwhile is tried again at once, at the same bounded parallelism.
/// </summary>
public sealed partial class Reconciler(
    ReconcileBacklog backlog,
    RoomReconciler rooms,
    AccountReconciler accounts,
    StartupSweep sweep,
    Store store,
    ObservedRooms observed,
    SynapseReachability synapse,
    AppConfig config,
    RecentErrors errors,
    Supervisor supervisor,
    System.Diagnostics.Metrics.IMeterFactory meters,
    ILogger<Reconciler> logger) : BackgroundService
{
    // The reconciler's instruments live as long as it does.
    private readonly ReconcileMetrics metrics = new(meters, store, backlog);
    private readonly ConcurrentDictionary<ReconcileKey, int> attempts = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        synapse.Recovered += RetryFailedNow;
        var loops = Enumerable.Range(0, config.Reconciler.Parallelism)
            .Select(i => supervisor.RunAsync($"Reconcile worker {i + 1}", WorkAsync, stoppingToken)).ToList();
        loops.Add(supervisor.RunAsync("The reconcile retries", PromoteRetriesAsync, stoppingToken));
        loops.Add(supervisor.RunAsync("The start-up sweep", sweep.RunAsync, stoppingToken));
        await Task.WhenAll(loops);
    }

    /// <summary>Reconciles the room of <paramref name="key"/> and waits until it exists in Matrix and a
    /// reconcile of it has run (one that failed is waited out through its retries); null after <paramref name="timeout"/>.</summary>
    public async Task<string?> EnsureRoomAsync(string key, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var run = backlog.EnqueueAndWaitAsync(ReconcileKey.Room(key), limit.Token);
        try
        {
            while (true)
            {
                try
                {
                    await run;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Failed: recorded on the room and retried with backoff; the retry may make it.
                }

                switch (store.Rooms.FindById(key))
                {
                    case null:
                        return null;
                    case { RoomId: { } roomId, Status: not RoomStatus.Pending }:
                        return roomId;
                }

                run = backlog.NextRunAsync(ReconcileKey.Room(key), limit.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Makes sure the account of <paramref name="userKey"/> is as the store says (provisioned, or locked
    /// if revoked) before it returns, through the backlog like every other reconcile; a failure is
    /// thrown to the caller. Returns at once when there is nothing to do.
    /// </summary>
    public async Task EnsureAccountAsync(string userKey, CancellationToken ct)
    {
        if (store.Users.FindById(userKey) is not { } user || accounts.IsCurrent(user))
        {
            return;
        }

        await backlog.EnqueueAndWaitAsync(ReconcileKey.Account(userKey), ct);
    }

    /// <summary>
    /// A reconcile someone asked for (the internal API, the bot): the room is read from Synapse again
    /// rather than from the cache, so what happened to it outside the event stream (a deletion on the
    /// server, a change while we were down) is seen too. Completes when that reconcile has run.
    /// </summary>
    public Task ReconcileAfreshAsync(RoomDoc room, CancellationToken ct)
    {
        Forget(room);
        return backlog.EnqueueAndWaitAsync(ReconcileKey.Room(room.Id), ct);
    }

    /// <summary>The same, without waiting for it.</summary>
    public void ReconcileAfresh(RoomDoc room)
    {
        Forget(room);
        backlog.Enqueue(ReconcileKey.Room(room.Id));
    }

    /// <summary>What a reconcile of this room would do now, without doing it.</summary>
    public Task<(DesiredRoom? Desired, ObservedRoom? Observed, Plan Plan)> PreviewAsync(RoomDoc room, CancellationToken ct) => rooms.PreviewAsync(room, ct);

    /// <summary>
    /// An admin's fix for a room the bot can no longer enter: the entity gets a new room under the same
    /// alias at its next turn. The old room, its people and its history stay where they are.
    /// </summary>
    public void ReplaceRoom(RoomDoc room)
    {
        store.ChangeRoom(room.Id, r => r.ReplaceRequested = true);
        ReconcileAfresh(room);
    }

    private void Forget(RoomDoc room)
    {
        if (room.RoomId is { } roomId)
        {
            observed.Invalidate(roomId);
        }
    }

    private async Task PromoteRetriesAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await timer.WaitForNextTickAsync(ct))
        {
            backlog.PromoteDue();
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await synapse.WaitUntilReachableAsync(ct);
            var key = await backlog.TakeAsync(ct);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var result = key.Kind == ReconcileKind.Account
                    ? await accounts.ReconcileAsync(key.Id, ct)
                    : await rooms.ReconcileAsync(key.Id, ct);
                attempts.TryRemove(key, out _);
                metrics.Reconciled(key.Kind, result.WaitFor is null ? "ok" : "waiting", Stopwatch.GetElapsedTime(started));
                if (result.WaitFor is { } dependency)
                {
                    LogWaiting(key, dependency);
                    backlog.Blocked(key, dependency);
                }
                else
                {
                    backlog.Done(key);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                metrics.Reconciled(key.Kind, "failed", Stopwatch.GetElapsedTime(started));
                var attempt = attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
                var delay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, attempt - 1), 300));
                LogFailed(key, attempt, delay.TotalSeconds, e.Message);
                RecordFailure(key, e.Message);
                errors.Occurred();
                backlog.Failed(key, e, delay);
            }
            catch (OperationCanceledException)
            {
                backlog.Failed(key, new OperationCanceledException("the service is stopping"), TimeSpan.Zero);
                throw;
            }
        }
    }

    // What failed during the outage would otherwise wait out a backoff of up to 5 minutes.
    private void RetryFailedNow(SynapseOutage outage)
    {
        var keys = attempts.Keys.ToList();
        foreach (var key in keys)
        {
            attempts.TryRemove(key, out _);
            backlog.Enqueue(key);
        }

        LogRetryingAfterOutage(keys.Count, outage.Duration.TotalSeconds);
    }

    private void RecordFailure(ReconcileKey key, string message)
    {
        if (key.Kind == ReconcileKind.Room)
        {
            store.ChangeRoom(key.Id, r =>
            {
                r.LastError = message;
                r.Status = RoomStatus.Failed;
                r.Converged = null;
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Synapse answers again after {Seconds:0} s: retrying the {Count} keys that failed meanwhile now")]
    private partial void LogRetryingAfterOutage(int count, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Key} waits for {Dependency}")]
    private partial void LogWaiting(ReconcileKey key, ReconcileKey dependency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling {Key} failed (attempt {Attempt}), retrying in {Seconds} s: {Reason}")]
    private partial void LogFailed(ReconcileKey key, int attempt, double seconds, string reason);
}
