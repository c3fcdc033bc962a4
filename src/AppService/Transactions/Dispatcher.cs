using System.Text.Json;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Status;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// Empties the inbox in the order transactions arrived, handing each event to the consumers that want
/// it, then marks the transaction done. A crash in between hands the transaction over again at start.
/// </summary>
public sealed partial class Dispatcher(
    Inbox inbox,
    IEnumerable<IEventConsumer> consumers,
    AppConfig config,
    ServiceStatus status,
    ILogger<Dispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan DedupeWindow = TimeSpan.FromDays(1);
    private readonly IEventConsumer[] consumers = [.. consumers];
    private readonly string botUserId = config.BotUserId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cursor = 0L;
        var nextPrune = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = inbox.Pending(cursor, 64).ToList();
            foreach (var txn in batch)
            {
                await DispatchAsync(txn, stoppingToken);
                inbox.MarkDone(txn.Seq);
                cursor = txn.Seq;
            }

            if (DateTime.UtcNow >= nextPrune)
            {
                var pruned = inbox.Prune(DedupeWindow);
                nextPrune = DateTime.UtcNow.AddHours(1);
                LogPruned(pruned);
            }

            if (batch.Count == 0)
            {
                await inbox.WaitAsync(stoppingToken);
            }
        }
    }

    private async Task DispatchAsync(StoredTransaction txn, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(txn.Body);
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
                    status.ConsumerFailed();
                    LogConsumerFailed(ex, consumer.GetType().Name, e.EventId, e.RoomId);
                }
            }
        }

        status.TransactionDispatched(count, echoes);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pruned {Count} dispatched transactions from the inbox")]
    private partial void LogPruned(int count);
}
