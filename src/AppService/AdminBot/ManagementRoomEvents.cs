using System.Text.Json;
using System.Threading.Channels;
using LiteDB;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.AdminBot;

/// <summary>
/// Hands messages and reactions of the management room to the bot. Commands can take a while (a
/// reconcile of everything), so they go through a queue and never hold up the dispatcher. Each is
/// also kept in the database (<c>bot_commands</c>) until it is answered: the dispatcher's cursor
/// moves on as soon as it is queued, so a crash before the answer would otherwise lose it.
/// </summary>
public sealed class ManagementRoomEvents
    : IEventConsumer
{
    public const string SettingKey = "management_room";

    private readonly Channel<Incoming> queue = Channel.CreateBounded<Incoming>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly ILiteCollection<BsonDocument> pending;

    public ManagementRoomEvents(LiteDatabase db, AppConfig config)
    {
        pending = db.GetCollection("bot_commands");
        // Known before Synapse is: after a restart the dispatcher replays what came meanwhile at once.
        var configured = config.AdminBot.ManagementRoom;
        RoomId = configured.StartsWith('!') ? configured
            : configured.Length == 0 ? db.GetCollection("settings").FindById(SettingKey)?["value"].AsString
            : null;
    }

    /// <summary>The management room: configured, or remembered; set once the bot knows it otherwise.</summary>
    public string? RoomId { get; set; }

    public ChannelReader<Incoming> Reader => queue.Reader;

    public bool Wants(MatrixEvent e) =>
        !e.IsEcho && e.RoomId is not null && e.RoomId == RoomId && e.Type is "m.room.message" or "m.reaction" && e.Sender is not null && e.EventId is not null;

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

        var incoming = new Incoming(e.EventId!, e.Sender!, e.Type, body, relatesTo, key);
        pending.Upsert(new BsonDocument
        {
            ["_id"] = incoming.EventId, ["sender"] = incoming.Sender, ["type"] = incoming.Type, ["body"] = body,
            ["relatesTo"] = relatesTo, ["key"] = key, ["at"] = DateTime.UtcNow,
        });
        queue.Writer.TryWrite(incoming);
        return ValueTask.CompletedTask;
    }

    /// <summary>What was handed over and not yet answered, oldest first (after a restart: what a crash interrupted).</summary>
    public List<Incoming> Unanswered() =>
        [.. pending.FindAll().OrderBy(d => d["at"].AsDateTime).Select(d => new Incoming(
            d["_id"].AsString, d["sender"].AsString, d["type"].AsString, Text(d["body"]), Text(d["relatesTo"]), Text(d["key"])))];

    /// <summary>Whether <paramref name="eventId"/> still waits for its answer (it may be queued twice).</summary>
    public bool IsUnanswered(string eventId) => pending.Exists(Query.EQ("_id", eventId));

    public void Answered(string eventId) => pending.Delete(eventId);

    private static string? Text(BsonValue value) => value.IsNull ? null : value.AsString;
}
