using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Tests.AdminBot;

/// <summary>
/// An admin's 'status' while Synapse hangs (connections accepted, no answers): the command used to
/// throw the client's TaskCanceledException out of the management room's loop, which stopped the
/// host. Synapse here is a stand-in on loopback that answers what the bot needs and hangs on demand;
/// the real Synapse hung by SIGSTOP is in the fault suite.
/// </summary>
public sealed class ManagementRoomHangTests : IAsyncLifetime
{
    private const string Room = "!mgmt:test.example.org";
    private const string Admin = "@boss:test.example.org";
    private readonly ConcurrentQueue<JsonObject> sent = new();
    private WebApplication? synapse;
    private TestService? service;
    private volatile bool hangPing;
    private volatile bool hangSend;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        synapse = builder.Build();
        synapse.MapPost("/_matrix/client/v3/register", () => Results.Json(new { user_id = "@openmeet-bot:test.example.org" }));
        synapse.MapPost("/_matrix/client/v1/appservice/{id}/ping", async (CancellationToken ct) =>
        {
            await HangWhile(() => hangPing, ct);
            return Results.Json(new { duration_ms = 3 });
        });
        synapse.MapPut("/_matrix/client/v3/profile/{user}/displayname", () => Results.Json(new { }));
        synapse.MapPost("/_matrix/client/v3/join/{room}", (string room) => Results.Json(new { room_id = room }));
        synapse.MapPut("/_matrix/client/v3/rooms/{room}/send/{type}/{txn}", async (string type, HttpRequest request, CancellationToken ct) =>
        {
            await HangWhile(() => hangSend, ct);
            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body, cancellationToken: ct))!;
            body["type"] = type;
            sent.Enqueue(body);
            return Results.Json(new { event_id = $"$sent{sent.Count}" });
        });
        await synapse.StartAsync();

        service = new TestService($$"""
            admin_bot:
              admins: ["{{Admin}}"]
              management_room: "{{Room}}"
            """, synapse.Urls.Single());
        // The client's timeout, 60 s in production, shortened so that a hang ends within the test.
        await service.StartAsync(s => s.AddSingleton(sp => ActivatorUtilities.CreateInstance<MatrixClient>(sp, new HttpClient
        {
            BaseAddress = new Uri(sp.GetRequiredService<AppConfig>().Homeserver.Url.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(2),
        })));
        await Until(() => sent.Any(m => Body(m).Contains("is back", StringComparison.Ordinal)), "the bot's hello in its room");
    }

    public async Task DisposeAsync()
    {
        (hangPing, hangSend) = (false, false);
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
    public async Task StatusWhileSynapseHangsSaysSoAndTheServiceStaysUp()
    {
        hangPing = true;
        await CommandAsync("$status1", "status");

        var reply = await ReplyAsync("$status1", seconds: 20);
        Body(reply).Should().Contain("NOT reachable: no answer to a ping within 5 s");
        Stopping.Should().BeFalse();

        hangPing = false;
        await CommandAsync("$status2", "status");
        Body(await ReplyAsync("$status2")).Should().Contain("reachable, it pinged us back in 3 ms");
    }

    [Fact]
    public async Task ReplyThatTimesOutIsLoggedAndTheNextCommandIsAnswered()
    {
        hangSend = true;
        await CommandAsync("$help1", "help");
        await Until(() => service!.Log.ToString().Contains("Answering $help1 in the management room failed", StringComparison.Ordinal), "the failed reply logged", seconds: 20);
        Stopping.Should().BeFalse("a timeout of the Matrix client is a failure of one command, not a reason to stop");

        hangSend = false;
        await CommandAsync("$help2", "help");
        Body(await ReplyAsync("$help2")).Should().Contain("reconcile <room|tenant|all>");
        (await service!.Private(null).GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private bool Stopping => service!.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;

    private static async Task HangWhile(Func<bool> hang, CancellationToken ct)
    {
        while (hang())
        {
            await Task.Delay(50, ct);
        }
    }

    private async Task CommandAsync(string eventId, string text)
    {
        var events = new JsonArray(new JsonObject
        {
            ["type"] = "m.room.message", ["room_id"] = Room, ["sender"] = Admin, ["event_id"] = eventId,
            ["origin_server_ts"] = 1, ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = text },
        });
        var response = await service!.Private().PutAsync($"/_matrix/app/v1/transactions/{eventId[1..]}", Json.Body(new JsonObject { ["events"] = events }.ToJsonString()));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private async Task<JsonObject> ReplyAsync(string eventId, int seconds = 10)
    {
        JsonObject? reply = null;
        await Until(() => (reply = sent.FirstOrDefault(m => m["type"]?.GetValue<string>() == "m.room.message"
            && m["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.GetValue<string>() == eventId)) is not null, $"the reply to {eventId}", seconds);
        return reply!;
    }

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
