namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// The work queue (controller-runtime's workqueue): keys to reconcile, each at most once in the queue
/// and handled by one worker at a time. A key enqueued while it runs runs once more afterwards, so the
/// changes that arrive while a room's writes are in flight become its next write, however many they are.
/// Two lanes: what OpenMeet changed, drift and what someone waits for go first; the start-up sweep's
/// keys are taken only when nothing else waits, by all but one worker, and a few at a time. Callers
/// that need the outcome wait on the key, and a key that needs another one first waits on that one.
/// </summary>
public sealed class ReconcileBacklog
{
    private enum Lane
    {
        Urgent,
        Background,
    }

    private readonly Lock gate = new();
    private readonly Dictionary<ReconcileKey, Lane> queued = [];
    private readonly Queue<ReconcileKey> urgent = new();
    private readonly Queue<ReconcileKey> background = new();
    private readonly Dictionary<ReconcileKey, Lane> running = [];
    private readonly HashSet<ReconcileKey> again = [];
    private readonly Dictionary<ReconcileKey, List<TaskCompletionSource>> nextRun = [];
    private readonly Dictionary<ReconcileKey, List<TaskCompletionSource>> thisRun = [];
    private readonly Dictionary<ReconcileKey, HashSet<ReconcileKey>> dependants = [];
    private readonly HashSet<ReconcileKey> blocked = [];
    private readonly PriorityQueue<ReconcileKey, DateTime> later = new();
    private readonly int backgroundWorkers;
    private readonly int backgroundAhead;
    private TaskCompletionSource changed = Signal();
    private int backgroundQueued;
    private int backgroundRunning;

    /// <param name="parallelism">The number of workers: one of them is always left to urgent keys.</param>
    public ReconcileBacklog(int parallelism)
    {
        backgroundWorkers = Math.Max(1, parallelism - 1);
        backgroundAhead = 2 * Math.Max(1, parallelism);
    }

    public ReconcileBacklog(Configuration.AppConfig config)
        : this(config.Reconciler.Parallelism)
    {
    }

    public int Depth
    {
        get
        {
            lock (gate)
            {
                return queued.Count + running.Count + blocked.Count;
            }
        }
    }

    public void Enqueue(ReconcileKey key)
    {
        lock (gate)
        {
            Add(key, Lane.Urgent);
        }
    }

    /// <summary>
    /// Enqueues <paramref name="key"/> and completes once a run of it that started after this call
    /// ends: successfully, or with the run's exception. A run that has to wait for another key does not
    /// count; the run after that wait does.
    /// </summary>
    public Task EnqueueAndWaitAsync(ReconcileKey key, CancellationToken ct)
    {
        var done = Signal();
        lock (gate)
        {
            Waiters(nextRun, key).Add(done);
            Add(key, Lane.Urgent);
        }

        return done.Task.WaitAsync(ct);
    }

    /// <summary>Completes when the run of <paramref name="key"/> under way, or else the next one, ends (a retry).</summary>
    public Task NextRunAsync(ReconcileKey key, CancellationToken ct)
    {
        var done = Signal();
        lock (gate)
        {
            Waiters(running.ContainsKey(key) ? thisRun : nextRun, key).Add(done);
        }

        return done.Task.WaitAsync(ct);
    }

    /// <summary>
    /// For the start-up sweep: enqueues behind every urgent key, and waits while the sweep is far enough
    /// ahead of the workers, so the sweep reads the store only as fast as the keys are reconciled.
    /// </summary>
    public async Task EnqueueInBackgroundAsync(ReconcileKey key, CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (backgroundQueued < backgroundAhead || queued.ContainsKey(key) || running.ContainsKey(key))
                {
                    Add(key, Lane.Background);
                    return;
                }

                wait = changed.Task;
            }

            await wait.WaitAsync(ct);
        }
    }

    /// <summary>Enqueues after a delay (a retry with backoff); <see cref="PromoteDue"/> moves it in.</summary>
    public void EnqueueAfter(ReconcileKey key, TimeSpan delay)
    {
        lock (gate)
        {
            later.Enqueue(key, DateTime.UtcNow + delay);
        }
    }

    public void PromoteDue()
    {
        lock (gate)
        {
            while (later.TryPeek(out var key, out var at) && at <= DateTime.UtcNow)
            {
                later.Dequeue();
                Add(key, Lane.Urgent);
            }
        }
    }

    public async Task<ReconcileKey> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (TryTake(out var key))
                {
                    return key;
                }

                wait = changed.Task;
            }

            await wait.WaitAsync(ct);
        }
    }

    /// <summary>The run succeeded: its waiters and the keys that waited on it go on.</summary>
    public void Done(ReconcileKey key)
    {
        lock (gate)
        {
            Finish(key);
            foreach (var waiter in Take(thisRun, key))
            {
                waiter.TrySetResult();
            }

            if (dependants.Remove(key, out var waiting))
            {
                foreach (var dependant in waiting)
                {
                    blocked.Remove(dependant);
                    Add(dependant, Lane.Urgent);
                }
            }

            if (again.Remove(key))
            {
                Add(key, Lane.Urgent);
            }
        }
    }

    /// <summary>The run failed: its waiters get the exception, and the key is tried again after <paramref name="retryIn"/>.</summary>
    public void Failed(ReconcileKey key, Exception error, TimeSpan retryIn)
    {
        lock (gate)
        {
            Finish(key);
            foreach (var waiter in Take(thisRun, key))
            {
                waiter.TrySetException(error);
            }

            later.Enqueue(key, DateTime.UtcNow + retryIn);
            if (again.Remove(key))
            {
                Add(key, Lane.Urgent);
            }
        }
    }

    /// <summary>
    /// The run could not start its work before <paramref name="dependency"/> is reconciled: the key is
    /// run again when a run of the dependency succeeds, not before (enqueued meanwhile, it would only
    /// wait again: it is held until then, whatever changes), and its waiters keep waiting. The
    /// dependency is enqueued (or run once more if it is running), so a run that ended just before this
    /// call cannot leave the key waiting.
    /// </summary>
    public void Blocked(ReconcileKey key, ReconcileKey dependency)
    {
        lock (gate)
        {
            Finish(key);
            if (thisRun.Remove(key, out var waiters))
            {
                Waiters(nextRun, key).AddRange(waiters);
            }

            again.Remove(key);
            if (!dependants.TryGetValue(dependency, out var waiting))
            {
                dependants[dependency] = waiting = [];
            }

            waiting.Add(key);
            blocked.Add(key);
            Add(dependency, Lane.Urgent);
        }
    }

    private void Add(ReconcileKey key, Lane lane)
    {
        if (blocked.Contains(key))
        {
            return;
        }

        if (running.ContainsKey(key))
        {
            if (lane == Lane.Urgent)
            {
                again.Add(key);
            }

            return;
        }

        if (queued.TryGetValue(key, out var current))
        {
            if (current == Lane.Background && lane == Lane.Urgent)
            {
                // Moved ahead: its entry in the background lane is skipped when reached.
                queued[key] = Lane.Urgent;
                backgroundQueued--;
                urgent.Enqueue(key);
                Pulse();
            }

            return;
        }

        queued[key] = lane;
        if (lane == Lane.Urgent)
        {
            urgent.Enqueue(key);
        }
        else
        {
            background.Enqueue(key);
            backgroundQueued++;
        }

        Pulse();
    }

    private bool TryTake(out ReconcileKey key)
    {
        while (urgent.TryDequeue(out key))
        {
            if (queued.TryGetValue(key, out var lane) && lane == Lane.Urgent)
            {
                Start(key, Lane.Urgent);
                return true;
            }
        }

        while (backgroundRunning < backgroundWorkers && background.TryDequeue(out key))
        {
            if (queued.TryGetValue(key, out var lane) && lane == Lane.Background)
            {
                backgroundQueued--;
                backgroundRunning++;
                Start(key, Lane.Background);
                // The sweep may add the next one.
                Pulse();
                return true;
            }
        }

        key = default;
        return false;
    }

    private void Start(ReconcileKey key, Lane lane)
    {
        queued.Remove(key);
        running[key] = lane;
        if (nextRun.Remove(key, out var waiters))
        {
            thisRun[key] = waiters;
        }
    }

    private void Finish(ReconcileKey key)
    {
        if (running.Remove(key, out var lane) && lane == Lane.Background)
        {
            backgroundRunning--;
            Pulse();
        }
    }

    private static List<TaskCompletionSource> Waiters(Dictionary<ReconcileKey, List<TaskCompletionSource>> table, ReconcileKey key)
    {
        if (!table.TryGetValue(key, out var list))
        {
            table[key] = list = [];
        }

        return list;
    }

    private static List<TaskCompletionSource> Take(Dictionary<ReconcileKey, List<TaskCompletionSource>> table, ReconcileKey key) =>
        table.Remove(key, out var list) ? list : [];

    // Wakes whoever waits for a change of the queue (workers, the sweep); they look again under the lock.
    private void Pulse()
    {
        var old = changed;
        changed = Signal();
        old.TrySetResult();
    }

    private static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
