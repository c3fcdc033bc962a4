using System.Diagnostics.Metrics;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// What the push path has done since start: instruments for /metrics, the same values for the status
/// page and the bot.
/// </summary>
public sealed class PushMetrics
{
    public const string MeterName = "OpenMeet.AppService.Transactions";
    private readonly Lock gate = new();
    private long transactionsStored;
    private long transactionsRepeated;
    private long eventsStored;
    private long eventsDispatched;
    private long echoes;
    private long consumerErrors;
    private long inboxPending;
    private long quarantined;
    private readonly Meter meter;
    private readonly Counter<long> eventsReceived;
    private readonly Histogram<double> acknowledged;

    public PushMetrics(IMeterFactory meters)
    {
        meter = meters.Create(MeterName);
        meter.CreateObservableCounter("openmeet.transactions.stored", () => TransactionsStored, description: "Transactions from Synapse stored in the inbox.");
        meter.CreateObservableCounter("openmeet.transactions.repeated", () => TransactionsRepeated, description: "Transactions whose txnId was stored before (no second effect).");
        meter.CreateObservableCounter("openmeet.events.stored", () => EventsStored, description: "Events stored in the inbox.");
        meter.CreateObservableCounter("openmeet.events.dispatched", () => EventsDispatched, description: "Events handed to the service's features.");
        meter.CreateObservableCounter("openmeet.echoes", () => Echoes, description: "Dispatched events the bot itself sent.");
        meter.CreateObservableCounter("openmeet.consumer.errors", () => ConsumerErrors, description: "Events a feature failed to handle.");
        meter.CreateObservableCounter("openmeet.events.quarantined", () => EventsQuarantined, description: "Events that could not be read, kept aside instead of dispatched.");
        meter.CreateObservableGauge("openmeet.inbox.pending", () => InboxPending, description: "Stored transactions not yet dispatched.");
        eventsReceived = meter.CreateCounter<long>("openmeet.events.received",
            description: $"Events of new transactions by type: the {EventTypes.Known.Count} types the service knows, the rest as 'other'.");
        acknowledged = meter.CreateHistogram<double>("openmeet.transactions.ack.duration", unit: "s",
            description: "From a transaction's arrival to its answer {} (stored and synced to disk, or repeated).");
    }

    /// <summary>The inbox's depth in bytes and its lag, read when /metrics is.</summary>
    public void Observe(Inbox inbox)
    {
        meter.CreateObservableGauge("openmeet.inbox.pending_bytes", () => inbox.PendingBytes, unit: "By",
            description: "Bytes of stored transactions not yet dispatched (new ones are refused past appservice.max_pending_bytes).");
        meter.CreateObservableGauge("openmeet.inbox.lag", () => inbox.OldestPendingAt is { } at ? Math.Max(0, (DateTime.UtcNow - at).TotalSeconds) : 0,
            unit: "s", description: "How long the oldest transaction not yet dispatched has waited; 0 when none waits.");
    }

    public long TransactionsStored => Interlocked.Read(ref transactionsStored);
    public long TransactionsRepeated => Interlocked.Read(ref transactionsRepeated);
    public long EventsStored => Interlocked.Read(ref eventsStored);
    public long EventsDispatched => Interlocked.Read(ref eventsDispatched);
    public long Echoes => Interlocked.Read(ref echoes);
    public long ConsumerErrors => Interlocked.Read(ref consumerErrors);
    public long EventsQuarantined => Interlocked.Read(ref quarantined);

    public long InboxPending
    {
        get => Interlocked.Read(ref inboxPending);
        set => Interlocked.Exchange(ref inboxPending, value);
    }

    public string? LastTxnId { get; private set; }
    public DateTimeOffset? LastTxnAt { get; private set; }
    public DateTimeOffset? LastPingFromSynapse { get; private set; }

    public void TransactionStored(string txnId, ReadOnlySpan<byte> body, IReadOnlyList<EventSlice> events)
    {
        Interlocked.Increment(ref transactionsStored);
        Interlocked.Add(ref eventsStored, events.Count);
        foreach (var e in events)
        {
            eventsReceived.Add(1, new KeyValuePair<string, object?>("type", EventTypes.Label(e.Type, body)));
        }

        Interlocked.Increment(ref inboxPending);
        lock (gate)
        {
            LastTxnId = txnId;
            LastTxnAt = DateTimeOffset.UtcNow;
        }
    }

    public void TransactionRepeated() => Interlocked.Increment(ref transactionsRepeated);

    /// <summary>A transaction answered {}: <paramref name="outcome"/> is stored or repeated.</summary>
    public void Acknowledged(string outcome, TimeSpan took) =>
        acknowledged.Record(took.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void TransactionDispatched(int events, int echoCount)
    {
        Interlocked.Add(ref eventsDispatched, events);
        Interlocked.Add(ref echoes, echoCount);
        Interlocked.Decrement(ref inboxPending);
    }

    public void ConsumerFailed() => Interlocked.Increment(ref consumerErrors);

    public void EventQuarantined() => Interlocked.Increment(ref quarantined);

    public void PingedBySynapse() => LastPingFromSynapse = DateTimeOffset.UtcNow;
}
