using System.Diagnostics;

namespace OpenMeet.AppService.Status;

/// <summary>What the service has done since it started: for /metrics, /internal/status and the bot.</summary>
public sealed class ServiceStatus
{
    private readonly Lock gate = new();
    private long transactionsStored;
    private long transactionsRepeated;
    private long eventsStored;
    private long eventsDispatched;
    private long echoes;
    private long consumerErrors;
    private long inboxPending;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public TimeSpan Uptime => Stopwatch.GetElapsedTime(startTimestamp);
    private readonly long startTimestamp = Stopwatch.GetTimestamp();

    public long TransactionsStored => Interlocked.Read(ref transactionsStored);
    public long TransactionsRepeated => Interlocked.Read(ref transactionsRepeated);
    public long EventsStored => Interlocked.Read(ref eventsStored);
    public long EventsDispatched => Interlocked.Read(ref eventsDispatched);
    public long Echoes => Interlocked.Read(ref echoes);
    public long ConsumerErrors => Interlocked.Read(ref consumerErrors);

    public long InboxPending
    {
        get => Interlocked.Read(ref inboxPending);
        set => Interlocked.Exchange(ref inboxPending, value);
    }

    public string? LastTxnId { get; private set; }
    public DateTimeOffset? LastTxnAt { get; private set; }
    public DateTimeOffset? LastPingFromSynapse { get; private set; }
    public HomeserverPingResult? LastPingOfSynapse { get; private set; }

    public void TransactionStored(string txnId, int events)
    {
        Interlocked.Increment(ref transactionsStored);
        Interlocked.Add(ref eventsStored, events);
        Interlocked.Increment(ref inboxPending);
        lock (gate)
        {
            LastTxnId = txnId;
            LastTxnAt = DateTimeOffset.UtcNow;
        }
    }

    public void TransactionRepeated() => Interlocked.Increment(ref transactionsRepeated);

    public void TransactionDispatched(int events, int echoCount)
    {
        Interlocked.Add(ref eventsDispatched, events);
        Interlocked.Add(ref echoes, echoCount);
        Interlocked.Decrement(ref inboxPending);
    }

    public void ConsumerFailed()
    {
        Interlocked.Increment(ref consumerErrors);
        ErrorOccurred();
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<DateTime> recentErrors = new();

    /// <summary>Something failed (a reconcile, a consumer): counted for the last hour.</summary>
    public void ErrorOccurred() => recentErrors.Enqueue(DateTime.UtcNow);

    public int ErrorsInLastHour
    {
        get
        {
            var hourAgo = DateTime.UtcNow.AddHours(-1);
            while (recentErrors.TryPeek(out var at) && at < hourAgo)
            {
                recentErrors.TryDequeue(out _);
            }

            return recentErrors.Count;
        }
    }

    public void PingedBySynapse() => LastPingFromSynapse = DateTimeOffset.UtcNow;

    public void PingedSynapse(HomeserverPingResult result) => LastPingOfSynapse = result;
}
