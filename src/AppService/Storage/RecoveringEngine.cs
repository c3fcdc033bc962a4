using LiteDB;
using LiteDB.Engine;

namespace OpenMeet.AppService.Storage;

/// <summary>
/// The engine under the process's one <see cref="LiteDatabase"/>. When a write fails with an I/O error (a full
/// disk), LiteDB 5 closes its engine for good (<c>EngineState.Handle</c> calls <c>LiteEngine.Close(ex)</c>) and
/// every later call throws that error again. Here the failed engine is retired instead and the next call opens
/// a fresh one on the same files, which replays the committed transactions of the log: nothing acknowledged
/// is lost, and the database, its mapper and the collections the features hold keep working. Every such
/// failure reaches the caller as a <see cref="StorageFaultException"/>.
/// </summary>
public sealed partial class RecoveringEngine : ILiteEngine
{
    private const int PageSize = 8192;
    private readonly string path;
    private readonly ILogger logger;
    private readonly Lock gate = new();

    // LiteDB binds an explicit transaction to its thread and to its engine: until it ends, that thread's
    // calls go to that engine, and fail if it was retired rather than land, one by one, on the next.
    private readonly ThreadLocal<LiteEngine?> transaction = new();
    private LiteEngine? current;
    private bool disposed;

    public RecoveringEngine(string path, ILogger<RecoveringEngine> logger)
    {
        this.path = path;
        this.logger = logger;
        TrimTornPage();
        if (OrdinalCollation.Migrate(path) is { } before)
        {
            LogCollationChanged(before, OrdinalCollation.Value.ToString(), OrdinalCollation.BackupPath(path));
        }

        current = Open();
    }

    /// <summary>LiteDB's write-ahead log beside <paramref name="databasePath"/>: <c>name-log.ext</c>.</summary>
    public static string LogPath(string databasePath) => Path.Combine(
        Path.GetDirectoryName(databasePath)!,
        Path.GetFileNameWithoutExtension(databasePath) + "-log" + Path.GetExtension(databasePath));

    // What LiteDB throws when the disk fails, or when its engine was closed under a concurrent call.
    internal static bool IsFault(Exception e) =>
        e is IOException or ObjectDisposedException or LiteException { ErrorCode: LiteException.ENGINE_DISPOSED };

    public bool BeginTrans()
    {
        var engine = Engine();
        var began = Run(engine, e => e.BeginTrans());
        transaction.Value = engine;
        return began;
    }

    public bool Commit() => Ending(e => e.Commit());

    public bool Rollback() => Ending(e => e.Rollback());

    public IBsonDataReader Query(string collection, Query query)
    {
        var engine = Engine();
        return new FaultAwareReader(Run(engine, e => e.Query(collection, query)), e => Retire(engine, e));
    }

    public int Insert(string collection, IEnumerable<BsonDocument> docs, BsonAutoId autoId) => Run(e => e.Insert(collection, docs, autoId));

    public int Update(string collection, IEnumerable<BsonDocument> docs) => Run(e => e.Update(collection, docs));

    public int UpdateMany(string collection, BsonExpression transform, BsonExpression predicate) => Run(e => e.UpdateMany(collection, transform, predicate));

    public int Upsert(string collection, IEnumerable<BsonDocument> docs, BsonAutoId autoId) => Run(e => e.Upsert(collection, docs, autoId));

    public int Delete(string collection, IEnumerable<BsonValue> ids) => Run(e => e.Delete(collection, ids));

    public int DeleteMany(string collection, BsonExpression predicate) => Run(e => e.DeleteMany(collection, predicate));

    public bool DropCollection(string name) => Run(e => e.DropCollection(name));

    public bool RenameCollection(string name, string newName) => Run(e => e.RenameCollection(name, newName));

    public bool EnsureIndex(string collection, string name, BsonExpression expression, bool unique) => Run(e => e.EnsureIndex(collection, name, expression, unique));

    public bool DropIndex(string collection, string name) => Run(e => e.DropIndex(collection, name));

    public BsonValue Pragma(string name) => Run(e => e.Pragma(name));

    public bool Pragma(string name, BsonValue value) => Run(e => e.Pragma(name, value));

    public int Checkpoint() => Run(e => e.Checkpoint());

    public long Rebuild(RebuildOptions options) => Run(e => e.Rebuild(options));

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            if (current is { } engine)
            {
                engine.Dispose();
                Abandon(engine);
            }

            current = null;
        }

        transaction.Dispose();
    }

    private T Run<T>(Func<LiteEngine, T> call) => Run(Engine(), call);

    private T Run<T>(LiteEngine engine, Func<LiteEngine, T> call)
    {
        try
        {
            return call(engine);
        }
        catch (Exception e) when (IsFault(e))
        {
            throw Retire(engine, e);
        }
    }

    private T Ending<T>(Func<LiteEngine, T> call)
    {
        try
        {
            return Run(call);
        }
        finally
        {
            transaction.Value = null;
        }
    }

    private LiteEngine Engine()
    {
        if (transaction.Value is { } pinned)
        {
            return pinned;
        }

        if (Volatile.Read(ref current) is { } engine)
        {
            return engine;
        }

        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (current is null)
            {
                try
                {
                    current = Open();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteException)
                {
                    throw new StorageFaultException(e);
                }

                LogReopened();
            }

            return current;
        }
    }

    /// <summary>
    /// Takes the failed engine out of use; the first caller to see its failure closes it. That happens under
    /// the gate, so no fresh engine opens the files while the old one still has them.
    /// </summary>
    private StorageFaultException Retire(LiteEngine engine, Exception e)
    {
        if (transaction.Value == engine)
        {
            transaction.Value = null;
        }

        lock (gate)
        {
            if (current == engine)
            {
                current = null;
                LogRetired(e.Message);

                // LiteDB has usually closed it already; after a failed explicit commit it has not, and its memory
                // no longer matches the files. Closing writes only what the log holds as committed.
                engine.Dispose();
                Abandon(engine);
            }
        }

        return new StorageFaultException(e);
    }

    /// <summary>
    /// A failed or closed engine keeps the transactions that were open in it, undisposed (its close gives up
    /// at the first that fails to dispose). Their finalizers would dispose them later, on the finalizer thread,
    /// fail LiteDB's own checks ("discarded page must be writable") and so end the process. Nothing of
    /// theirs is to be kept: their finalizers are switched off. Should a LiteDB version move the fields this
    /// reaches, the engine is kept reachable instead, which keeps its transactions from being finalized.
    /// </summary>
    private void Abandon(LiteEngine engine)
    {
        try
        {
            if (GetMonitor?.Invoke(engine, null) is { } monitor
                && monitor.GetType().GetProperty("Transactions")?.GetValue(monitor) is System.Collections.IEnumerable transactions)
            {
                foreach (var open in transactions.Cast<object>().ToList())
                {
#pragma warning disable CA1816 // on LiteDB's objects, not ours: that is the point
                    GC.SuppressFinalize(open);
#pragma warning restore CA1816
                }

                return;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.Reflection.TargetInvocationException)
        {
            LogAbandonFallback(e.Message);
        }

        kept.Add(engine);
    }

    private static readonly System.Reflection.MethodInfo? GetMonitor =
        typeof(LiteEngine).GetMethod("GetMonitor", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    // Failed engines kept reachable when their transactions' finalizers could not be switched off.
    private readonly List<LiteEngine> kept = [];

    private LiteEngine Open()
    {
        TrimTornPage();
        return new LiteEngine(new EngineSettings { Filename = path, Collation = OrdinalCollation.Value });
    }

    /// <summary>
    /// A write that ran out of space can leave part of a page at the end of the log. That page belongs to a
    /// transaction that never committed, but LiteDB reads the log in whole pages and refuses to open it.
    /// </summary>
    private void TrimTornPage()
    {
        var log = new FileInfo(LogPath(path));
        if (log.Exists && log.Length % PageSize is var torn and not 0)
        {
            using var stream = new FileStream(log.FullName, FileMode.Open, FileAccess.Write, FileShare.None);
            stream.SetLength(log.Length - torn);
            LogTrimmed(torn, log.FullName);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database failed ({Error}); it is closed, and opened again on the next call")]
    private partial void LogRetired(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database compared text as {Before}; it was copied into one that compares it as {After} (ids that differ by case are different ids); the old file is kept as {Backup}")]
    private partial void LogCollationChanged(string before, string after, string backup);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The failed database engine is kept in memory: its open transactions could not be let go ({Reason})")]
    private partial void LogAbandonFallback(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database is open again after a failure")]
    private partial void LogReopened();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cut {Bytes} bytes of a page that was never written whole off the end of {LogFile}")]
    private partial void LogTrimmed(long bytes, string logFile);
}
