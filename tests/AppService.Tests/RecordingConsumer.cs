using System.Collections.Concurrent;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests;

/// <summary>Records what the dispatcher hands over; can hold an event forever, as a crash mid-dispatch would.</summary>
public sealed class RecordingConsumer(string? holdEventId = null) : IEventConsumer
{
    public ConcurrentQueue<MatrixEvent> Seen { get; } = new();

    /// <summary>Each event's content as the consumer could read it during its call.</summary>
    public ConcurrentQueue<string> Contents { get; } = new();

    public bool Wants(MatrixEvent e) => true;

    public async ValueTask HandleAsync(MatrixEvent e, CancellationToken cancellationToken)
    {
        Seen.Enqueue(e);
        Contents.Enqueue(e.Content.ValueKind == System.Text.Json.JsonValueKind.Undefined ? "" : e.Content.GetRawText());
        if (e.EventId == holdEventId)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    public async Task WaitForAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Seen.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Seen.Should().HaveCountGreaterThanOrEqualTo(count, "the dispatcher should hand events over within seconds");
    }
}
