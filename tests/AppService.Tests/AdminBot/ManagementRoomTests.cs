using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace OpenMeet.AppService.Tests.AdminBot;

/// <summary>
/// What the bot acts on: messages and reactions pushed in transactions, as Synapse would, with a
/// stand-in Synapse on loopback that records what the bot sends (see <see cref="ManagementRoomHangTests"/>).
/// </summary>
public sealed class ManagementRoomTests : IAsyncLifetime
{
    private const string Room = "!mgmt:test.example.org";
    private const string OtherRoom = "!elsewhere:test.example.org";
    private const string Admin = "@boss:test.example.org";
    private const string OtherAdmin = "@deputy:test.example.org";
    private const string Stranger = "@eve:test.example.org";
    private readonly ConcurrentQueue<JsonObject> sent = new();
    private WebApplication? synapse;
    private TestService? service;
    private int txn;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        synapse = builder.Build();
        synapse.MapPost("/_matrix/client/v3/register", () => Results.Json(new { user_id = "@openmeet-bot:test.example.org" }));
        synapse.MapPost("/_matrix/client/v1/appservice/{id}/ping", () => Results.Json(new { duration_ms = 3 }));
        synapse.MapPut("/_matrix/client/v3/profile/{user}/displayname", () => Results.Json(new { }));
        synapse.MapPost("/_matrix/client/v3/join/{room}", (string room) => Results.Json(new { room_id = room }));
        synapse.MapPut("/_matrix/client/v3/rooms/{room}/send/{type}/{txn}", async (string room, string type, HttpRequest request, CancellationToken ct) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body, cancellationToken: ct))!;
            body["type"] = type;
            body["room_id"] = room;
            body["event_id"] = $"$sent{sent.Count + 1}";
            sent.Enqueue(body);
            return Results.Json(new { event_id = body["event_id"]!.GetValue<string>() });
        });
        await synapse.StartAsync();

        service = new TestService($$"""
            admin_bot:
              admins: ["{{Admin}}", "{{OtherAdmin}}"]
              management_room: "{{Room}}"
            """, synapse.Urls.Single());
        await service.StartAsync();
        await Until(() => sent.Any(m => Body(m).Contains("is back", StringComparison.Ordinal)), "the bot's hello in its room");

        var api = service.Private(TestService.InternalToken);
        (await api.PutAsync("/internal/tenants/t1", Json.Body("""{"name":"One"}"""))).EnsureSuccessStatusCode();
        (await api.PutAsync("/internal/tenants/t1/users/alice", Json.Body("""{"name":"Alice"}"""))).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        if (service is not null)
        {
            await service.DisposeAsync();
        }

        if (synapse is not null)
        {
            await synapse.DisposeAsync();
        }
    }

    [Fact]
    public async Task MessagesAndReactionsOutsideTheManagementRoomAreNotActedOn()
    {
        await PushAsync(Message("$elsewhere1", "help", Admin, OtherRoom));
        await PushAsync(Message("$revoke1", "revoke t1/alice", Admin));
        var question = await ReplyAsync("$revoke1");
        Body(question).Should().Contain("React with ✅");

        await PushAsync(Reaction("$elsewhere2", Id(question), Admin, OtherRoom));
        await PushAsync(Message("$whois1", "whois t1/alice", Admin));

        Body(await ReplyAsync("$whois1")).Should().Contain("revoked: no", "the ✅ in another room confirmed nothing");
        sent.Should().NotContain(m => m["room_id"]!.GetValue<string>() != Room, "the bot says nothing outside its room");
        sent.Should().NotContain(m => Answers(m, "$elsewhere1") || Answers(m, "$elsewhere2"));
    }

    [Fact]
    public async Task OnlyTheCheckMarkOfTheAdminWhoAskedConfirmsAQuestion()
    {
        await PushAsync(Message("$revoke1", "revoke t1/alice", Admin));
        var question = await ReplyAsync("$revoke1");
        Body(question).Should().Contain("React with ✅");

        await PushAsync(Reaction("$byStranger", Id(question), Stranger));
        await PushAsync(Reaction("$byOtherAdmin", Id(question), OtherAdmin));
        await PushAsync(Reaction("$otherKey", Id(question), Admin, key: "👍"));
        await PushAsync(Message("$whois1", "whois t1/alice", Admin));
        Body(await ReplyAsync("$whois1")).Should().Contain("revoked: no", "neither someone else's ✅ nor another reaction of the admin confirms");
        sent.Should().NotContain(m => Body(m).StartsWith("Revoked", StringComparison.Ordinal));

        await PushAsync(Reaction("$byAdmin", Id(question), Admin));
        Body(await ReplyAsync(Id(question), m => Body(m).StartsWith("Revoked", StringComparison.Ordinal))).Should().StartWith("Revoked t1/alice");
        await PushAsync(Message("$whois2", "whois t1/alice", Admin));
        Body(await ReplyAsync("$whois2")).Should().Contain("revoked: yes");
    }

    private static JsonObject Message(string eventId, string text, string sender, string room = Room) => new()
    {
        ["type"] = "m.room.message", ["room_id"] = room, ["sender"] = sender, ["event_id"] = eventId,
        ["origin_server_ts"] = 1, ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = text },
    };

    private static JsonObject Reaction(string eventId, string to, string sender, string room = Room, string key = "✅") => new()
    {
        ["type"] = "m.reaction", ["room_id"] = room, ["sender"] = sender, ["event_id"] = eventId, ["origin_server_ts"] = 1,
        ["content"] = new JsonObject { ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.annotation", ["event_id"] = to, ["key"] = key } },
    };

    private async Task PushAsync(JsonObject e)
    {
        var body = new JsonObject { ["events"] = new JsonArray(e) }.ToJsonString();
        var response = await service!.Private().PutAsync($"/_matrix/app/v1/transactions/t{Interlocked.Increment(ref txn)}", Json.Body(body));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private async Task<JsonObject> ReplyAsync(string eventId, Func<JsonObject, bool>? which = null)
    {
        JsonObject? reply = null;
        await Until(() => (reply = sent.FirstOrDefault(m => Answers(m, eventId) && (which?.Invoke(m) ?? true))) is not null, $"the reply to {eventId}");
        return reply!;
    }

    private static bool Answers(JsonObject m, string eventId) =>
        m["type"]?.GetValue<string>() == "m.room.message" && m["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.GetValue<string>() == eventId;

    private static string Id(JsonObject message) => message["event_id"]!.GetValue<string>();

    private static string Body(JsonObject message) => message["body"]?.GetValue<string>() ?? "";

    private static async Task Until(Func<bool> done, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!done())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, $"waiting for {what}");
            await Task.Delay(50);
        }
    }
}
