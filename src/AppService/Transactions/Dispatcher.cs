using System.Text.Json;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// Hands each stored transaction's events, in the order they arrived, to the consumers that want them,
/// then moves the inbox's cursor (saved when the queue runs dry, and at least every quarter second
/// under load). A crash in between hands those transactions over again at start: consumers are
/// idempotent.
/// </summary>
public sealed partial class Dispatcher(
    Inbox inbox,
    IEnumerable<IEventConsumer> consumers,
    AppConfig config,
    PushMetrics metrics,
    RecentErrors errors,
    ILogger<Dispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan DedupeWindow = TimeSpan.FromDays(1);
    private static readonly TimeSpan CursorEvery = TimeSpan.FromMilliseconds(250);
    private readonly IEventConsumer[] consumers = [.. consumers];
    private readonly string botUserId = config.BotUserId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var last = inbox.Cursor;
        foreach (var txn in inbox.Backlog())
        {
            await DispatchAsync(txn, stoppingToken);
            last = txn.Seq;
        }

        inbox.SaveCursor(last);
        var savedAt = DateTime.UtcNow;
        var nextPrune = DateTime.UtcNow;
        while (await inbox.Stored.WaitToReadAsync(stoppingToken))
        {
            while (inbox.Stored.TryRead(out var txn))
            {
                // Stored before start and read from the backlog already.
                if (txn.Seq <= last)
                {
                    continue;
                }

                await DispatchAsync(txn, stoppingToken);
                last = txn.Seq;
                if (DateTime.UtcNow - savedAt > CursorEvery)
                {
                    inbox.SaveCursor(last);
                    savedAt = DateTime.UtcNow;
                }
            }

            inbox.SaveCursor(last);
            savedAt = DateTime.UtcNow;
            if (DateTime.UtcNow >= nextPrune)
            {
                var pruned = inbox.Prune(DedupeWindow);
                LogPruned(pruned);
                nextPrune = DateTime.UtcNow.AddHours(1);
            }
        }
    }

    private async Task DispatchAsync(StoredTransaction txn, CancellationToken cancellationToken)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(txn.Body);
        }
        catch (JsonException e)
        {
            // Bodies are checked before they are stored; one that cannot be read is skipped, not fatal.
            metrics.ConsumerFailed();
            errors.Occurred();
            LogUnreadable(e, txn.TxnId, txn.Seq);
            return;
        }

        using var _ = doc;
        var count = 0;
        var echoes = 0;
        foreach (var element in doc.RootElement.GetProperty("events").EnumerateArray())
        {
            var e = ToEvent(txn.TxnId, element);
            count++;
            echoes += e.IsEcho ? 1 : 0;
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

        metrics.TransactionDispatched(count, echoes);
        LogDispatched(txn.TxnId, count, echoes);
    }

    private MatrixEvent ToEvent(string txnId, JsonElement e)
    {
        var sender = String(e, "sender");
        return new MatrixEvent(
            txnId,
            String(e, "event_id"),
            String(e, "room_id"),
            String(e, "type") ?? "",
            String(e, "state_key"),
            sender,
            e.TryGetProperty("content", out var content) ? content : default,
            sender == botUserId);
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dispatched transaction {TxnId}: {Events} events, {Echoes} echoes")]
    private partial void LogDispatched(string txnId, int events, int echoes);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Consumer} failed on event {EventId} in {RoomId}")]
    private partial void LogConsumerFailed(Exception exception, string consumer, string? eventId, string? roomId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stored transaction {TxnId} (#{Seq}) cannot be read; skipped")]
    private partial void LogUnreadable(Exception exception, string txnId, long seq);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pruned {Count} dispatched transactions from the inbox")]
    private partial void LogPruned(int count);
}
