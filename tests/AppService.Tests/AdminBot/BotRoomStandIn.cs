using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace OpenMeet.AppService.Tests.AdminBot;

/// <summary>
/// A stand-in Synapse on loopback for the bot in its management room: it answers what the bot needs
/// (register, ping, display name, join), records what the bot sends, and hangs its ping or its sends on
/// demand. Commands and reactions reach the service in transactions, as Synapse would push them.
/// </summary>
internal sealed class BotRoomStandIn : IAsyncDisposable
{
    public const string Room = "!mgmt:test.example.org";
    private readonly WebApplication app;
    private volatile bool hangPing;
    private volatile bool hangSend;

    private BotRoomStandIn(WebApplication app) => this.app = app;

    /// <summary>What the bot sent, each with its type, room and the event id it was given.</summary>
    private int made;
    private int displayNamesSet;

    /// <summary>The bot's display name as this Synapse has it.</summary>
    public string DisplayName { get; set; } = "OpenMeet";

    /// <summary>How often the bot's display name was set.</summary>
    public int DisplayNamesSet => Volatile.Read(ref displayNamesSet);

    public ConcurrentQueue<JsonObject> Sent { get; } = new();

    public bool HangPing { get => hangPing; set => hangPing = value; }

    public bool HangSend { get => hangSend; set => hangSend = value; }

    public string Url => app.Urls.Single();

    public static async Task<BotRoomStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var synapse = new BotRoomStandIn(builder.Build());
        synapse.Map();
        await synapse.app.StartAsync();
        return synapse;
    }

    public async ValueTask DisposeAsync()
    {
        (HangPing, HangSend) = (false, false);
        await app.DisposeAsync();
    }

    private void Map()
    {
        app.MapPost("/_matrix/client/v3/register", () => Results.Json(new { user_id = "@openmeet-bot:test.example.org" }));
        app.MapPost("/_matrix/client/v1/appservice/{id}/ping", async (CancellationToken ct) =>
        {
            await HangWhile(() => HangPing, ct);
            return Results.Json(new { duration_ms = 3 });
        });
        app.MapGet("/_matrix/client/v3/profile/{user}/displayname", () => Results.Json(new { displayname = DisplayName }));
        app.MapPut("/_matrix/client/v3/profile/{user}/displayname", async (HttpRequest request) =>
        {
            DisplayName = (await JsonNode.ParseAsync(request.Body))!["displayname"]!.GetValue<string>();
            Interlocked.Increment(ref displayNamesSet);
            return Results.Json(new { });
        });
        app.MapPost("/_matrix/client/v3/join/{room}", (string room) => Results.Json(new { room_id = room }));
        // Rooms the reconciler makes (a tenant's space): made, nothing more.
        app.MapPost("/_matrix/client/v3/createRoom", () => Results.Json(new { room_id = $"!made{Interlocked.Increment(ref made)}:test.example.org" }));
        app.MapPut("/_matrix/client/v3/rooms/{room}/state/{**rest}", () => Results.Json(new { event_id = "$state" }));
        app.MapGet("/_matrix/client/v3/rooms/{room}/state", () => Results.Json(new[]
        {
            new { type = "m.room.member", state_key = "@openmeet-bot:test.example.org", sender = "@openmeet-bot:test.example.org", content = new { membership = "join" } },
        }));
        app.MapPut("/_matrix/client/v3/rooms/{room}/send/{type}/{txn}", async (string room, string type, HttpRequest request, CancellationToken ct) =>
        {
            await HangWhile(() => HangSend, ct);
            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body, cancellationToken: ct))!;
            body["type"] = type;
            body["room_id"] = room;
            body["event_id"] = $"$sent{Sent.Count + 1}";
            Sent.Enqueue(body);
            return Results.Json(new { event_id = body["event_id"]!.GetValue<string>() });
        });
    }

    private static async Task HangWhile(Func<bool> hang, CancellationToken ct)
    {
        while (hang())
        {
            await Task.Delay(50, ct);
        }
    }

    /// <summary>The bot's first notice in reply to <paramref name="eventId"/> (that <paramref name="which"/> accepts).</summary>
    public async Task<JsonObject> ReplyAsync(string eventId, Func<JsonObject, bool>? which = null, int seconds = 10)
    {
        JsonObject? reply = null;
        await Until(() => (reply = Sent.FirstOrDefault(m => Answers(m, eventId) && (which?.Invoke(m) ?? true))) is not null, $"the reply to {eventId}", seconds);
        return reply!;
    }

    public static async Task PushAsync(TestService service, JsonObject e)
    {
        var body = new JsonObject { ["events"] = new JsonArray(e) }.ToJsonString();
        var response = await service.Private().PutAsync($"/_matrix/app/v1/transactions/{Guid.NewGuid():N}", Json.Body(body));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    public static JsonObject Message(string eventId, string text, string sender, string room = Room) => new()
    {
        ["type"] = "m.room.message", ["room_id"] = room, ["sender"] = sender, ["event_id"] = eventId,
        ["origin_server_ts"] = 1, ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = text },
    };

    public static JsonObject Reaction(string eventId, string to, string sender, string room = Room, string key = "✅") => new()
    {
        ["type"] = "m.reaction", ["room_id"] = room, ["sender"] = sender, ["event_id"] = eventId, ["origin_server_ts"] = 1,
        ["content"] = new JsonObject { ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.annotation", ["event_id"] = to, ["key"] = key } },
    };

    public static bool Answers(JsonObject m, string eventId) =>
        m["type"]?.GetValue<string>() == "m.room.message" && m["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.GetValue<string>() == eventId;

    /// <summary>Whether <paramref name="m"/> is an edit (m.replace) of the message <paramref name="eventId"/>.</summary>
    public static bool Edits(JsonObject m, string eventId) =>
        m["m.relates_to"]?["rel_type"]?.GetValue<string>() == "m.replace" && m["m.relates_to"]?["event_id"]?.GetValue<string>() == eventId;

    public static string Id(JsonObject message) => message["event_id"]!.GetValue<string>();

    public static string Body(JsonObject message) => message["body"]?.GetValue<string>() ?? "";

    public static async Task Until(Func<bool> done, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!done())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, $"waiting for {what}");
            await Task.Delay(50);
        }
    }
}
