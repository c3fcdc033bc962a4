using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// Hands each stored transaction's events, in the order they arrived, to the consumers that want them,
/// then moves the inbox's cursor (saved, and dispatched segments deleted, when the queue runs dry and
/// at least every quarter second under load). An event the intake could not read is quarantined and
/// the rest of its transaction goes on. A crash in between hands those transactions over again at
/// start: consumers are idempotent.
/// </summary>
public sealed partial class Dispatcher(
    Inbox inbox,
    Quarantine quarantine,
    IEnumerable<IEventConsumer> consumers,
    AppConfig config,
    PushMetrics metrics,
    RecentErrors errors,
    Supervisor supervisor,
    ILogger<Dispatcher> logger) : BackgroundService
{
    private long last = -1;

    private static readonly TimeSpan HousekeepEvery = TimeSpan.FromMilliseconds(250);
    private readonly IEventConsumer[] consumers = [.. consumers];
    private readonly string botUserId = config.BotUserId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await supervisor.RunAsync("The dispatcher", RunAsync, stoppingToken);

        // The service is stopping: the cursor is saved, so the next start goes on from here.
        Housekeep();
        LogStopped(inbox.Cursor, metrics.InboxPending);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        if (last < 0)
        {
            last = inbox.Cursor;
        }

        // After a restart of this loop, what it dispatched already is not dispatched again.
        foreach (var entry in inbox.Backlog.Where(e => e.Seq > last))
        {
            await DispatchAsync(inbox.Load(entry), stoppingToken);
            last = entry.Seq;
        }

        Housekeep();
        var keptAt = DateTime.UtcNow;
        while (await inbox.Reader.WaitToReadAsync(stoppingToken))
        {
            while (inbox.Reader.TryRead(out var txn))
            {
                // Stored before start and read from the backlog already.
                if (txn.Seq <= last)
                {
                    continue;
                }

                await DispatchAsync(txn, stoppingToken);
                last = txn.Seq;
                if (DateTime.UtcNow - keptAt > HousekeepEvery)
                {
                    Housekeep();
                    keptAt = DateTime.UtcNow;
                }
            }

            Housekeep();
            keptAt = DateTime.UtcNow;
        }
    }

    private void Housekeep()
    {
        try
        {
            if (inbox.Housekeep() is > 0 and var deleted)
            {
                LogDeleted(deleted, inbox.Cursor);
            }
        }
        catch (IOException e)
        {
            // The cursor and the deletions wait for the next round; nothing acknowledged depends on them.
            errors.Occurred();
            LogHousekeepFailed(e);
        }
    }

    private async Task DispatchAsync(StoredTransaction txn, CancellationToken cancellationToken)
    {
        var count = 0;
        var echoes = 0;
        for (var i = 0; i < txn.Events.Count; i++)
        {
            var slice = txn.Events[i];
            if (slice.Problem is not null)
            {
                try
                {
                    quarantine.Add(txn, i, slice);
                }
                catch (LiteDB.LiteException failure)
                {
                    LogQuarantineFailed(failure, txn.TxnId, i);
                }

                errors.Occurred();
                LogQuarantined(txn.TxnId, i, slice.EventId.Read(txn.Body), slice.RoomId.Read(txn.Body), slice.Problem);
                continue;
            }

            var sender = slice.Sender.Read(txn.Body);
            using var e = new MatrixEvent(txn.TxnId, slice.EventId.Read(txn.Body), slice.RoomId.Read(txn.Body), slice.Type.Read(txn.Body)!,
                slice.StateKey.Read(txn.Body), sender, txn.Body.AsMemory(slice.ContentStart, slice.ContentLength), sender == botUserId);
            count++;
            echoes += e.IsEcho ? 1 : 0;
            LogEvent(e.EventId, e.Type, e.RoomId, txn.TxnId);
            foreach (var consumer in consumers)
            {
                if (!consumer.Wants(e))
                {
                    continue;
                }

                try
                {
                    await consumer.HandleAsync(e, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One bad event must not stop the queue: consumers are level-triggered and a
                    // later reconcile repairs what this one missed.
                    metrics.ConsumerFailed();
                    errors.Occurred();
                    LogConsumerFailed(ex, consumer.GetType().Name, e.EventId, e.RoomId);
                }
            }
        }

        inbox.Dispatched(txn);
        metrics.TransactionDispatched(count, echoes);
        LogDispatched(txn.TxnId, count, echoes);
    }

    // One line per event: what was handed to the features, by event id (Debug; the dev stack turns it
    // on for this class, and the fault tests count event ids with it across restarts).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Dispatching event {MatrixEventId} ({Type}) in {RoomId} of transaction {TxnId}")]
    private partial void LogEvent(string? matrixEventId, string type, string? roomId, string txnId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dispatched transaction {TxnId}: {Events} events, {Echoes} echoes")]
    private partial void LogDispatched(string txnId, int events, int echoes);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Consumer} failed on event {MatrixEventId} in {RoomId}")]
    private partial void LogConsumerFailed(Exception exception, string consumer, string? matrixEventId, string? roomId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantined event #{Index} ({MatrixEventId} in {RoomId}) of transaction {TxnId}: {Problem}")]
    private partial void LogQuarantined(string txnId, int index, string? matrixEventId, string? roomId, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not keep event #{Index} of transaction {TxnId} in the quarantine; it stays in the log until dispatched")]
    private partial void LogQuarantineFailed(Exception exception, string txnId, int index);

    [LoggerMessage(Level = LogLevel.Error, Message = "Inbox housekeeping failed; it is tried again")]
    private partial void LogHousekeepFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The dispatcher stopped (cursor {Cursor}); {Pending} stored transactions wait for the next start")]
    private partial void LogStopped(long cursor, long pending);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deleted {Count} dispatched inbox segments (cursor {Cursor})")]
    private partial void LogDeleted(int count, long cursor);
}
