using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Status;

/// <summary>The last events handed over by the dispatcher, for operators (status) and end-to-end checks.</summary>
public sealed class RecentEvents : IEventConsumer
{
    public const int Capacity = 200;
    private readonly Queue<RecentEvent> events = new(Capacity);
    private readonly Lock gate = new();

    public bool Wants(MatrixEvent e) => true;

    public ValueTask HandleAsync(MatrixEvent e, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (events.Count == Capacity)
            {
                events.Dequeue();
            }

            events.Enqueue(new RecentEvent(e.TxnId, e.EventId, e.RoomId, e.Type, e.StateKey, e.Sender, e.IsEcho, DateTimeOffset.UtcNow));
        }

        return ValueTask.CompletedTask;
    }

    public IReadOnlyList<RecentEvent> Snapshot()
    {
        lock (gate)
        {
            return [.. events];
        }
    }
}
