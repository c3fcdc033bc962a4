using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenMeet.EndToEnd.Tests;

[Collection(nameof(LiveStackFixture))]
public sealed class PushApiEndToEndTests(LiveStackFixture stack)
{
    private Task<JsonElement> StatusAsync() => stack.Service(stack["INTERNAL_TOKEN"]).GetJsonAsync("internal/status");

    private async Task<JsonElement[]> RecentEventsAsync() =>
        [.. (await StatusAsync()).GetProperty("recentEvents").EnumerateArray()];

    private async Task<string> CreateRoomAsBotAsync(string name)
    {
        var room = await stack.Synapse(stack["AS_TOKEN"]).PostJsonAsync("_matrix/client/v3/createRoom",
            new { name, preset = "private_chat", room_version = "12" });
        return room.GetProperty("room_id").GetString()!;
    }

    private async Task<JsonElement[]> EventuallyDispatchedAsync(Func<JsonElement, bool> match, string what) =>
        await Matrix.EventuallyAsync(async () =>
        {
            var found = (await RecentEventsAsync()).Where(match).ToArray();
            return found.Length > 0 ? found : null;
        }, what);

    [Fact]
    public async Task ReadyWithTheRealSynapse()
    {
        var ready = await stack.Service(null).GetJsonAsync("health/ready");

        ready.GetProperty("status").GetString().Should().Be("Healthy", ready.ToString());
        ready.GetProperty("checks").EnumerateObject().Select(c => c.Name).Should().BeEquivalentTo(["database", "synapse", "ping", "dispatcher", "inbox", "shutdown"]);
    }

    [Fact]
    public async Task SynapsePingReachesTheService()
    {
        var before = DateTimeOffset.UtcNow;

        var reply = await stack.Synapse(stack["AS_TOKEN"]).PostJsonAsync(
            $"_matrix/client/v1/appservice/{stack["APPSERVICE_ID"]}/ping", new { transaction_id = "e2e-" + Guid.NewGuid() });

        reply.GetProperty("duration_ms").GetInt64().Should().BeGreaterThanOrEqualTo(0);
        var lastPing = (await StatusAsync()).GetProperty("lastPingFromSynapse").GetDateTimeOffset();
        lastPing.Should().BeOnOrAfter(before.AddSeconds(-1), "Synapse's ping should have reached our /_matrix/app/v1/ping");
    }

    [Fact]
    public async Task RoomCreatedByTheBotArrivesAsATransactionAndIsDispatchedAsEchoes()
    {
        var roomId = await CreateRoomAsBotAsync("e2e dispatch");

        var create = await EventuallyDispatchedAsync(
            e => e.GetProperty("roomId").GetString() == roomId && e.GetProperty("type").GetString() == "m.room.create",
            "the m.room.create of the bot's room being dispatched");

        create.Should().ContainSingle();
        create[0].GetProperty("echo").GetBoolean().Should().BeTrue("the bot sent it");
        create[0].GetProperty("sender").GetString().Should().Be($"@openmeet-bot:{stack["SERVER_NAME"]}");
    }

    [Fact]
    public async Task MessageOfAnotherUserInTheBotsRoomIsDispatchedAsNotAnEcho()
    {
        var roomId = await CreateRoomAsBotAsync("e2e others");
        var bot = stack.Synapse(stack["AS_TOKEN"]);
        var admin = stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]);
        await bot.PostJsonAsync($"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/invite", new { user_id = stack["ADMIN_MXID"] });
        await admin.PostJsonAsync($"_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}", new { });
        var sent = await admin.PutJsonAsync(
            $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/{Guid.NewGuid():N}",
            new { msgtype = "m.text", body = "hello bot" });
        var eventId = sent.GetProperty("event_id").GetString();

        var message = await EventuallyDispatchedAsync(e => e.GetProperty("eventId").GetString() == eventId, "the admin's message being dispatched");

        message.Should().ContainSingle();
        message[0].GetProperty("echo").GetBoolean().Should().BeFalse();
        message[0].GetProperty("sender").GetString().Should().Be(stack["ADMIN_MXID"]);
    }

    [Fact]
    public async Task TransactionReplayedByHandWithTheSameTxnIdHasNoSecondEffect()
    {
        // Let Synapse send us a transaction, then replay it by hand: its txnId, its events.
        var roomId = await CreateRoomAsBotAsync("e2e replay");
        var create = (await EventuallyDispatchedAsync(
            e => e.GetProperty("roomId").GetString() == roomId && e.GetProperty("type").GetString() == "m.room.create",
            "Synapse's transaction with the m.room.create")).Single();
        var synapseTxnId = create.GetProperty("txnId").GetString()!;
        var synapseEvents = (await RecentEventsAsync())
            .Where(e => e.GetProperty("txnId").GetString() == synapseTxnId)
            .Select(e => e.GetProperty("eventId").GetString()!).ToArray();
        var push = stack.Service(stack["HS_TOKEN"]);
        var handTxnId = "e2e-" + Guid.NewGuid().ToString("N");
        var handEvent = "$by-hand-" + Guid.NewGuid().ToString("N");

        var replay = Body([.. synapseEvents.Select(id => Matrix.Event(id, roomId))]);
        (await push.PutAsJsonAsync($"_matrix/app/v1/transactions/{synapseTxnId}", replay)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await push.PutAsJsonAsync($"_matrix/app/v1/transactions/{handTxnId}", Body(Matrix.Event(handEvent, roomId)))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await push.PutAsJsonAsync($"_matrix/app/v1/transactions/{handTxnId}", Body(Matrix.Event(handEvent, roomId)))).StatusCode.Should().Be(HttpStatusCode.OK);

        await EventuallyDispatchedAsync(e => e.GetProperty("eventId").GetString() == handEvent, "the hand-made transaction being dispatched");
        var recent = await RecentEventsAsync();
        recent.Count(e => e.GetProperty("eventId").GetString() == handEvent).Should().Be(1, "the second PUT repeated its transaction");
        foreach (var id in synapseEvents)
        {
            recent.Count(e => e.GetProperty("eventId").GetString() == id).Should().Be(1, "Synapse's transaction was replayed, not new");
        }

        var inbox = (await StatusAsync()).GetProperty("inbox");
        inbox.GetProperty("transactionsRepeated").GetInt64().Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task WrongHsTokenFromAClientIsRefused()
    {
        var wrong = await stack.Service("not-the-hs-token-0123456789").PutAsJsonAsync("_matrix/app/v1/transactions/e2e-wrong", Body());
        wrong.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errcode").GetString().Should().Be("M_FORBIDDEN");

        var asToken = await stack.Service(stack["AS_TOKEN"]).PutAsJsonAsync("_matrix/app/v1/transactions/e2e-wrong", Body());
        asToken.StatusCode.Should().Be(HttpStatusCode.Forbidden, "the as_token is ours to Synapse, not Synapse's to us");

        var none = await stack.Service(null).PutAsJsonAsync("_matrix/app/v1/transactions/e2e-wrong", Body());
        none.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errcode").GetString().Should().Be("M_UNAUTHORIZED");
    }

    private static JsonObject Body(params JsonObject[] events) => new() { ["events"] = new JsonArray(events) };
}
