using System.Text.Json;
using System.Threading.Channels;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.AdminBot;

/// <summary>
/// Hands messages and reactions of the management room to the bot. Commands can take a while (a
/// reconcile of everything), so they go through a queue and never hold up the dispatcher.
/// </summary>
public sealed class ManagementRoomEvents : IEventConsumer
{
    private readonly Channel<Incoming> queue = Channel.CreateBounded<Incoming>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>Set once the bot knows its management room.</summary>
    public string? RoomId { get; set; }

    public ChannelReader<Incoming> Reader => queue.Reader;

    public bool Wants(MatrixEvent e) =>
        !e.IsEcho && e.RoomId is not null && e.RoomId == RoomId && e.Type is "m.room.message" or "m.reaction" && e.Sender is not null;

    public ValueTask HandleAsync(MatrixEvent e, CancellationToken cancellationToken)
    {
        string? body = null, relatesTo = null, key = null;
        if (e.Content.ValueKind == JsonValueKind.Object)
        {
            if (e.Content.TryGetProperty("body", out var b) && b.ValueKind == JsonValueKind.String)
            {
                body = b.GetString();
            }

            if (e.Content.TryGetProperty("m.relates_to", out var r) && r.ValueKind == JsonValueKind.Object)
            {
                relatesTo = r.TryGetProperty("event_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
                key = r.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            }
        }

        queue.Writer.TryWrite(new Incoming(e.EventId ?? "", e.Sender!, e.Type, body, relatesTo, key));
        return ValueTask.CompletedTask;
    }
}
