namespace OpenMeet.AppService.Matrix;

/// <summary>
/// How Synapse answers us, from every request the client makes: counted, and one that gets no answer
/// (refused, timed out, a gateway error) marks Synapse unreachable from the moment it was sent until
/// any answer comes again. Work that needs Synapse waits for that instead of retrying into the void;
/// an outage of <see cref="OutageThreshold"/> or more is announced once it is over.
/// </summary>
public sealed class SynapseReachability(TimeProvider time)
{
    /// <summary>Shorter failures (a restart of a connection, one slow answer) are not outages.</summary>
    public static readonly TimeSpan OutageThreshold = TimeSpan.FromSeconds(5);

    private readonly Lock gate = new();
    private long requests;
    private long failures;
    private long inFlight;
    private DateTimeOffset? downSince;
    private TaskCompletionSource reachable = Completed();

    /// <summary>Raised once Synapse answers again after an outage of at least <see cref="OutageThreshold"/>.</summary>
    public event Action<SynapseOutage>? Recovered;

    public long Requests => Interlocked.Read(ref requests);

    public long Failures => Interlocked.Read(ref failures);

    public long InFlight => Interlocked.Read(ref inFlight);

    /// <summary>When the first request that got no answer was sent; null while Synapse answers.</summary>
    public DateTimeOffset? DownSince
    {
        get
        {
            lock (gate)
            {
                return downSince;
            }
        }
    }

    /// <summary>Whether Synapse has been away for an outage's length: a request that fails now is not
    /// worth trying again at once; the reconcile workers wait for Synapse instead.</summary>
    public bool Away => DownSince is { } since && time.GetUtcNow() - since >= OutageThreshold;

    /// <summary>Counts a request about to be sent; returns when it was sent.</summary>
    public DateTimeOffset Sending()
    {
        Interlocked.Increment(ref requests);
        Interlocked.Increment(ref inFlight);
        return time.GetUtcNow();
    }

    /// <summary>Synapse answered (any status but a gateway's): it is reachable.</summary>
    public void Answered()
    {
        Interlocked.Decrement(ref inFlight);
        SynapseOutage? outage = null;
        lock (gate)
        {
            if (downSince is { } since)
            {
                outage = new SynapseOutage(since, time.GetUtcNow());
                downSince = null;
                reachable.TrySetResult();
            }
        }

        if (outage is not null && outage.Duration >= OutageThreshold)
        {
            Recovered?.Invoke(outage);
        }
    }

    /// <summary>A request sent at <paramref name="sentAt"/> got no answer: Synapse is unreachable since then.</summary>
    public void NotAnswered(DateTimeOffset sentAt)
    {
        Interlocked.Increment(ref failures);
        Interlocked.Decrement(ref inFlight);
        lock (gate)
        {
            if (downSince is null)
            {
                reachable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            downSince = downSince is { } since && since < sentAt ? since : sentAt;
        }
    }

    /// <summary>A request we gave up ourselves (the service stopping): says nothing about Synapse.</summary>
    public void Abandoned() => Interlocked.Decrement(ref inFlight);

    /// <summary>Returns at once while Synapse answers; otherwise once it answers again.</summary>
    public Task WaitUntilReachableAsync(CancellationToken ct)
    {
        lock (gate)
        {
            return reachable.Task.WaitAsync(ct);
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
