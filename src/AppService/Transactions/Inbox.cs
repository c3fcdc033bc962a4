using System.Buffers.Binary;
using System.IO.Hashing;
using System.Threading.Channels;
using LiteDB;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// The durable inbox of Synapse's transactions: bodies in <see cref="TransactionLog"/>, acknowledged
/// once their record is on disk, handed to the dispatcher in memory in the order they were stored,
/// and deleted with their segment once dispatched. A transaction is known by a key hashed from its
/// txnId and the ids of its events, kept for <see cref="DedupeWindow"/> (at most
/// <see cref="MaxKeys"/> of them), in memory and in a snapshot beside the log, so a repeated
/// transaction has no second effect, also after a restart. The txnId alone would not do: Synapse on
/// SQLite numbers transactions from max(pending) + 1, so after it restarts with nothing pending it
/// hands out txnIds from 1 again, for new events. A genuine retry carries the same events.
/// What has been dispatched is one cursor, saved off the acknowledgement path; at start everything
/// after it is dispatched again.
/// </summary>
public sealed partial class Inbox : IDisposable
{
    public static readonly TimeSpan DedupeWindow = TimeSpan.FromHours(1);
    public const int MaxKeys = 100_000;

    /// <summary>Segment files of the log: small enough that dispatched ones are recycled soon after start.</summary>
    public const long SegmentBytes = 16L * 1024 * 1024;
    private const uint KeysMagic = 0x4F4D4B31; // "OMK1"
    private readonly TransactionLog log;
    private readonly PushMetrics metrics;
    private readonly long maxPendingBytes;
    private readonly string cursorPath;
    private readonly string keysPath;
    private readonly Lock gate = new();
    private readonly Dictionary<UInt128, Stored> keys = [];
    private readonly Queue<(UInt128 Key, DateTime At)> keyOrder = new();
    private readonly Queue<(StoredTransaction Txn, TaskCompletionSource Done)> undelivered = new();
    private readonly Channel<StoredTransaction> stored = Channel.CreateUnbounded<StoredTransaction>(new UnboundedChannelOptions { SingleReader = true });
    private readonly System.Collections.Concurrent.ConcurrentQueue<(long Seq, DateTime At)> pendingSince = new();
    private long pendingBytes;
    private long savedCursor;

    public enum Outcome { Stored, Repeated, Busy }

    // A key's record: durable once Done has completed.
    private sealed record Stored(long Seq, DateTime At, TaskCompletionSource Done);

    public Inbox(AppConfig config, LiteDatabase db, PushMetrics metrics, ILogger<Inbox> logger)
    {
        this.metrics = metrics;
        maxPendingBytes = config.Appservice.MaxPendingBytes;
        var directory = Path.Combine(config.DataDirectory, "inbox");
        log = new TransactionLog(directory, config.Database.Fsync, SegmentBytes, m => LogRecovered(logger, m));
        cursorPath = Path.Combine(directory, "cursor");
        keysPath = Path.Combine(directory, "keys");
        Cursor = savedCursor = ReadCursor();
        log.StartAfter(Cursor);
        LoadKeys();
        foreach (var entry in log.Entries)
        {
            Remember(entry.Key, entry.Seq, entry.StoredAt, done: true);
        }

        var backlog = log.Entries.Where(e => e.Seq > Cursor).ToList();
        pendingBytes = backlog.Sum(e => (long)e.BodyLength);
        foreach (var entry in backlog)
        {
            pendingSince.Enqueue((entry.Seq, entry.StoredAt));
        }

        Backlog = backlog;
        metrics.InboxPending = backlog.Count + MigrateLegacyInbox(db);
        metrics.Observe(this);
    }

    /// <summary>The last sequence number dispatched.</summary>
    public long Cursor { get; private set; }

    /// <summary>Stored before this process started and not dispatched yet, oldest first.</summary>
    public IReadOnlyList<TransactionLog.Entry> Backlog { get; }

    public ChannelReader<StoredTransaction> Reader => stored.Reader;

    public long PendingBytes => Interlocked.Read(ref pendingBytes);

    /// <summary>Why the last transaction could not be stored (a full disk), until one is stored again.</summary>
    public string? LastWriteError { get; private set; }

    /// <summary>When the oldest transaction not yet dispatched was stored; null when none waits.</summary>
    public DateTime? OldestPendingAt => pendingSince.TryPeek(out var oldest) ? oldest.At : null;

    /// <summary>
    /// Stores a transaction and returns once it is durable. Repeated: stored before (concurrent calls
    /// for one transaction wait for the first). Busy: dispatch is too far behind to take more now.
    /// </summary>
    public async Task<Outcome> StoreAsync(string txnId, byte[] body, TransactionParser.Result parsed)
    {
        while (true)
        {
            Stored? earlier;
            long seq;
            TaskCompletionSource done;
            lock (gate)
            {
                if (keys.TryGetValue(parsed.Key, out earlier))
                {
                    seq = 0;
                    done = earlier.Done;
                }
                else if (PendingBytes > 0 && PendingBytes + body.Length > maxPendingBytes)
                {
                    return Outcome.Busy;
                }
                else
                {
                    var at = DateTime.UtcNow;
                    try
                    {
                        seq = log.Append(parsed.Key, txnId, body, at);
                    }
                    catch (IOException e)
                    {
                        LastWriteError = e.Message;
                        throw;
                    }

                    done = Remember(parsed.Key, seq, at, done: false).Done;
                    Interlocked.Add(ref pendingBytes, body.Length);
                    pendingSince.Enqueue((seq, at));
                    undelivered.Enqueue((new StoredTransaction(seq, txnId, body, parsed.Events), done));
                }
            }

            if (earlier is not null)
            {
                try
                {
                    await done.Task;
                    metrics.TransactionRepeated();
                    return Outcome.Repeated;
                }
                catch (IOException)
                {
                    continue; // the first attempt failed and forgot its key: try again
                }
            }

            try
            {
                log.SyncThrough(seq);
            }
            catch (IOException e)
            {
                LastWriteError = e.Message;
                Forget(parsed.Key, e);
                throw;
            }

            LastWriteError = null;
            Deliver();
            metrics.TransactionStored(txnId, body, parsed.Events);
            return Outcome.Stored;
        }
    }

    /// <summary>Body and events of a record stored before this process started.</summary>
    public StoredTransaction Load(TransactionLog.Entry entry)
    {
        var body = log.ReadBody(entry);
        return new StoredTransaction(entry.Seq, entry.TxnId, body, TransactionParser.Parse(entry.TxnId, body).Events);
    }

    /// <summary>The dispatcher is done with <paramref name="txn"/>.</summary>
    public void Dispatched(StoredTransaction txn)
    {
        Cursor = Math.Max(Cursor, txn.Seq);
        Interlocked.Add(ref pendingBytes, -txn.Body.Length);
        while (pendingSince.TryPeek(out var oldest) && oldest.Seq <= Cursor)
        {
            pendingSince.TryDequeue(out _);
        }
    }

    /// <summary>
    /// Off the acknowledgement path: saves the cursor, forgets keys past the window, and deletes the
    /// segments that are wholly dispatched (the cursor and the keys they held are saved durably first).
    /// </summary>
    public int Housekeep()
    {
        var cursor = Cursor;
        if (cursor == savedCursor)
        {
            return 0;
        }

        var segments = log.Segments;
        var deletable = segments.Count > 1 && segments[0].LastSeq <= cursor;
        WriteAtomically(cursorPath, CursorBytes(cursor), durable: deletable);
        savedCursor = cursor;
        ExpireKeys();
        if (!deletable)
        {
            return 0;
        }

        WriteAtomically(keysPath, KeysBytes(), durable: true);
        return log.DeleteThrough(cursor);
    }

    public void Dispose() => log.Dispose();

    // Hands every durable record to the dispatcher, in the order they were stored.
    private void Deliver()
    {
        lock (gate)
        {
            var durable = log.DurableSeq;
            while (undelivered.TryPeek(out var next) && next.Txn.Seq <= durable)
            {
                undelivered.Dequeue();
                next.Done.TrySetResult();
                stored.Writer.TryWrite(next.Txn);
            }
        }
    }

    private Stored Remember(UInt128 key, long seq, DateTime at, bool done)
    {
        var entry = new Stored(seq, at, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (done)
        {
            entry.Done.SetResult();
        }

        keys[key] = entry;
        keyOrder.Enqueue((key, at));
        return entry;
    }

    private void Forget(UInt128 key, Exception e)
    {
        lock (gate)
        {
            if (keys.Remove(key, out var entry))
            {
                entry.Done.TrySetException(e);
            }
        }
    }

    private void ExpireKeys()
    {
        var before = DateTime.UtcNow - DedupeWindow;
        lock (gate)
        {
            while (keyOrder.TryPeek(out var k) && (k.At < before || keyOrder.Count > MaxKeys))
            {
                var current = keys.TryGetValue(k.Key, out var entry) && entry.At == k.At;
                if (current && entry!.Seq > Cursor)
                {
                    break; // not dispatched yet; neither is anything after it
                }

                keyOrder.Dequeue();
                if (current)
                {
                    keys.Remove(k.Key);
                }
            }
        }
    }

    private long ReadCursor()
    {
        var bytes = File.Exists(cursorPath) ? File.ReadAllBytes(cursorPath) : [];
        return bytes.Length == 12 && Crc32.HashToUInt32(bytes.AsSpan(0, 8)) == BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8))
            ? BinaryPrimitives.ReadInt64LittleEndian(bytes)
            : 0;
    }

    private static byte[] CursorBytes(long cursor)
    {
        var bytes = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, cursor);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), Crc32.HashToUInt32(bytes.AsSpan(0, 8)));
        return bytes;
    }

    private byte[] KeysBytes()
    {
        lock (gate)
        {
            var bytes = new byte[8 + (keys.Count * 32) + 4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, KeysMagic);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), keys.Count);
            var offset = 8;
            foreach (var (key, entry) in keys)
            {
                BinaryPrimitives.WriteUInt128LittleEndian(bytes.AsSpan(offset), key);
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset + 16), entry.At.Ticks);
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset + 24), entry.Seq);
                offset += 32;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), Crc32.HashToUInt32(bytes.AsSpan(0, offset)));
            return bytes;
        }
    }

    private void LoadKeys()
    {
        var bytes = File.Exists(keysPath) ? File.ReadAllBytes(keysPath) : [];
        if (bytes.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != KeysMagic
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) is var count && bytes.Length != 12 + (count * 32)
            || Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)))
        {
            return;
        }

        var entries = Enumerable.Range(0, count).Select(i => 8 + (i * 32)).Select(o => (
            Key: BinaryPrimitives.ReadUInt128LittleEndian(bytes.AsSpan(o)),
            At: new DateTime(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(o + 16)), DateTimeKind.Utc),
            Seq: BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(o + 24))));
        foreach (var (key, at, seq) in entries.Where(e => e.At >= DateTime.UtcNow - DedupeWindow).OrderBy(e => e.Seq))
        {
            Remember(key, seq, at, done: true);
        }
    }

    // Earlier versions kept bodies in LiteDB's "inbox" with a cursor in "settings": what was never
    // dispatched moves to the log (in its order), then both go.
    private int MigrateLegacyInbox(LiteDatabase db)
    {
        if (!db.CollectionExists("inbox"))
        {
            return 0;
        }

        var legacyCursor = db.GetCollection("settings").FindById("inbox_cursor")?["seq"].AsInt64 ?? 0;
        var moved = 0;
        foreach (var doc in db.GetCollection("inbox").Find(Query.GT("_id", legacyCursor)).OrderBy(d => d["_id"].AsInt64))
        {
            var txnId = doc["txn"].AsString;
            var body = doc["body"].AsBinary;
            var parsed = TransactionParser.Parse(txnId, body);
            var seq = log.Append(parsed.Key, txnId, body, DateTime.UtcNow);
            undelivered.Enqueue((new StoredTransaction(seq, txnId, body, parsed.Events), Remember(parsed.Key, seq, DateTime.UtcNow, done: false).Done));
            pendingBytes += body.Length;
            pendingSince.Enqueue((seq, DateTime.UtcNow));
            moved++;
        }

        log.SyncThrough(log.LastSeq);
        Deliver();
        db.DropCollection("inbox");
        db.GetCollection("settings").Delete("inbox_cursor");
        return moved;
    }

    // Write a temporary file and rename it over the old one, so a crash leaves one or the other.
    private static void WriteAtomically(string path, byte[] bytes, bool durable)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, TransactionLog.OwnerOnly(FileMode.Create, FileAccess.Write)))
        {
            file.Write(bytes);
            if (durable)
            {
                file.Flush(flushToDisk: true);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox: {Problem}")]
    private static partial void LogRecovered(ILogger logger, string problem);
}
