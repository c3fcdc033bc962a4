using LiteDB;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// Events that arrived but cannot be read (nested too deep, a field of the wrong type): kept with the
/// reason, for an operator to look at, instead of refusing their transaction. The newest
/// <see cref="Keep"/> are kept.
/// </summary>
public sealed class Quarantine(LiteDatabase db, PushMetrics metrics)
{
    public const int Keep = 1000;
    private readonly ILiteCollection<QuarantinedEvent> events = Open(db);

    public long Count => events.LongCount();

    private static ILiteCollection<QuarantinedEvent> Open(LiteDatabase db)
    {
        OpenMeet.Oidc.Stores.LiteDbMapping.Prepare(db, typeof(QuarantinedEvent));
        return db.GetCollection<QuarantinedEvent>("quarantine");
    }

    public void Add(StoredTransaction txn, int index, EventSlice e)
    {
        events.Insert(new QuarantinedEvent
        {
            TxnId = txn.TxnId,
            Index = index,
            EventId = e.EventId.Read(txn.Body),
            RoomId = e.RoomId.Read(txn.Body),
            Sender = e.Sender.Read(txn.Body),
            Reason = e.Problem!,
            At = DateTime.UtcNow,
            Json = txn.Body.AsSpan(e.Start, e.Length).ToArray(),
        });
        metrics.EventQuarantined();
        var excess = events.LongCount() - Keep;
        if (excess > 0)
        {
            foreach (var old in events.Query().OrderBy(q => q.Id).Limit((int)excess).ToList())
            {
                events.Delete(old.Id);
            }
        }
    }

    public IReadOnlyList<QuarantinedEvent> Latest(int count) =>
        events.Query().OrderByDescending(q => q.Id).Limit(count).ToList();
}

public sealed class QuarantinedEvent
{
    public long Id { get; set; }
    public string TxnId { get; set; } = "";
    public int Index { get; set; }
    public string? EventId { get; set; }
    public string? RoomId { get; set; }
    public string? Sender { get; set; }
    public string Reason { get; set; } = "";
    public DateTime At { get; set; }
    [System.Text.Json.Serialization.JsonIgnore]
    public byte[] Json { get; set; } = [];
}
