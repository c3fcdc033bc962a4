using System.Collections.Concurrent;
using System.Threading.Channels;
using LiteDB;
using OpenMeet.AppService.Storage;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// The durable inbox of Synapse's transactions. A body is stored whole, as received, under a sequence
/// number. A transaction is known by its txnId and the ids of its events: that key is unique, which
/// is what makes a repeated transaction have no second effect, also after a restart. The txnId alone
/// would not do: Synapse on SQLite numbers transactions from max(pending) + 1, so after Synapse
/// restarts with nothing pending it hands out txnIds from 1 again, for new events. A genuine retry
/// carries the same events (only <c>unsigned.age</c> differs), so it keeps its key.
/// A stored transaction is handed to the dispatcher in memory; what it has dispatched is one cursor
/// (the last sequence number), so dispatching costs no write per transaction. At start, everything
/// after the cursor is dispatched again.
/// </summary>
public sealed class Inbox
{
    public const string Collection = "inbox";
    private const string CursorId = "inbox_cursor";

    private readonly ILiteCollection<BsonDocument> inbox;
    private readonly ILiteCollection<BsonDocument> settings;
    private readonly Durability durability;
    private readonly PushMetrics metrics;
    private readonly ConcurrentDictionary<string, Task> inFlight = new(StringComparer.Ordinal);
    private readonly Channel<StoredTransaction> stored = Channel.CreateUnbounded<StoredTransaction>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock order = new();

    public Inbox(LiteDatabase db, Durability durability, PushMetrics metrics)
    {
        inbox = db.GetCollection(Collection, BsonAutoId.Int64);
        inbox.EnsureIndex("key", unique: true);
        settings = db.GetCollection("settings");
        this.durability = durability;
        this.metrics = metrics;
        Cursor = settings.FindById(CursorId)?["seq"].AsInt64 ?? 0;
        metrics.InboxPending = inbox.Count(Query.GT("_id", Cursor));
    }

    /// <summary>The last sequence number dispatched (as last saved).</summary>
    public long Cursor { get; private set; }

    /// <summary>Stores a transaction; false when it was stored before. Concurrent calls for one
    /// transaction wait for the first instead of racing it.</summary>
    public async Task<bool> StoreAsync(string txnId, string fingerprint, byte[] body, int events)
    {
        var key = txnId + " " + fingerprint;
        while (true)
        {
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var current = inFlight.GetOrAdd(key, mine.Task);
            if (current != mine.Task)
            {
                await current.ContinueWith(static _ => { }, TaskScheduler.Default);
                continue;
            }

            try
            {
                var isNew = Insert(key, txnId, body, events);
                mine.SetResult();
                return isNew;
            }
            catch (Exception e)
            {
                mine.SetException(e);
                throw;
            }
            finally
            {
                inFlight.TryRemove(key, out _);
            }
        }
    }

    private bool Insert(string key, string txnId, byte[] body, int events)
    {
        try
        {
            // Insert and hand-over in one order, so the dispatcher sees sequence numbers ascending.
            lock (order)
            {
                var seq = inbox.Insert(new BsonDocument
                {
                    ["key"] = key,
                    ["txn"] = txnId,
                    ["body"] = body,
                    ["events"] = events,
                    ["at"] = DateTime.UtcNow,
                }).AsInt64;
                stored.Writer.TryWrite(new StoredTransaction(seq, txnId, body));
            }
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            metrics.TransactionRepeated();
            return false;
        }

        durability.Flush();
        metrics.TransactionStored(txnId, events);
        return true;
    }

    /// <summary>What was stored after the cursor before this process started, oldest first.</summary>
    public IEnumerable<StoredTransaction> Backlog() =>
        inbox.Find(Query.GT("_id", Cursor))
            .Where(d => d["body"].IsBinary)
            .OrderBy(d => d["_id"].AsInt64)
            .Select(d => new StoredTransaction(d["_id"].AsInt64, d["txn"].AsString, d["body"].AsBinary));

    public ChannelReader<StoredTransaction> Stored => stored.Reader;

    /// <summary>Saves the dispatch cursor: one small write however many transactions it covers.</summary>
    public void SaveCursor(long seq)
    {
        if (seq <= Cursor)
        {
            return;
        }

        settings.Upsert(new BsonDocument { ["_id"] = CursorId, ["seq"] = seq });
        Cursor = seq;
    }

    /// <summary>Forgets dispatched transactions older than <paramref name="age"/>: Synapse repeats a
    /// transaction only until it gets our 200, so the dedupe window need not be long.</summary>
    public int Prune(TimeSpan age) =>
        inbox.DeleteMany(Query.And(Query.LTE("_id", Cursor), Query.LT("at", DateTime.UtcNow - age)));
}
