using System.Collections.Concurrent;
using System.Threading.Channels;
using LiteDB;
using OpenMeet.AppService.Status;
using OpenMeet.AppService.Storage;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// The durable inbox of Synapse's transactions. A body is stored whole, as received, under a sequence
/// number. A transaction is known by its txnId and the ids of its events: that key is unique, which
/// is what makes a repeated transaction have no second effect, also after a restart. The txnId alone
/// would not do: Synapse on SQLite numbers transactions from max(pending) + 1, so after Synapse
/// restarts with nothing pending it hands out txnIds from 1 again, for new events. A genuine retry
/// carries the same events (only <c>unsigned.age</c> differs), so it keeps its key.
/// The dispatcher empties the inbox in order.
/// </summary>
public sealed class Inbox
{
    public const string Collection = "inbox";

    private readonly ILiteCollection<BsonDocument> inbox;
    private readonly Durability durability;
    private readonly ServiceStatus status;
    private readonly ConcurrentDictionary<string, Task> inFlight = new(StringComparer.Ordinal);
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public Inbox(LiteDatabase db, Durability durability, ServiceStatus status)
    {
        inbox = db.GetCollection(Collection, BsonAutoId.Int64);
        inbox.EnsureIndex("key", unique: true);
        inbox.EnsureIndex("done");
        this.durability = durability;
        this.status = status;
        status.InboxPending = inbox.Count(Query.EQ("done", false));
    }

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
                var stored = Insert(key, txnId, body, events);
                mine.SetResult();
                return stored;
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
            inbox.Insert(new BsonDocument
            {
                ["key"] = key,
                ["txn"] = txnId,
                ["body"] = body,
                ["events"] = events,
                ["at"] = DateTime.UtcNow,
                ["done"] = false,
            });
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            status.TransactionRepeated();
            return false;
        }

        durability.Flush();
        status.TransactionStored(txnId, events);
        wake.Writer.TryWrite(true);
        return true;
    }

    /// <summary>Stored transactions not yet dispatched, oldest first, after <paramref name="afterSeq"/>.</summary>
    public IEnumerable<StoredTransaction> Pending(long afterSeq, int limit) =>
        inbox.Query()
            .Where(Query.And(Query.GT("_id", afterSeq), Query.EQ("done", false)))
            .OrderBy("_id")
            .Limit(limit)
            .ToEnumerable()
            .Select(d => new StoredTransaction(d["_id"].AsInt64, d["txn"].AsString, d["body"].AsBinary));

    public void MarkDone(long seq)
    {
        var doc = inbox.FindById(seq);
        doc["done"] = true;
        doc["body"] = BsonValue.Null;
        inbox.Update(doc);
    }

    /// <summary>Forgets dispatched transactions older than <paramref name="age"/>: Synapse repeats a txnId
    /// only until it gets our 200, so the dedupe window need not be long.</summary>
    public int Prune(TimeSpan age) =>
        inbox.DeleteMany(Query.And(Query.EQ("done", true), Query.LT("at", DateTime.UtcNow - age)));

    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => wake.Reader.ReadAsync(cancellationToken);
}
