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
        [.. (await StatusAsync()).GetProperty("recent_events").EnumerateArray()];

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
    public async Task SynapsePingReachesTheService()
    {
        var before = DateTimeOffset.UtcNow;

        var reply = await stack.Synapse(stack["AS_TOKEN"]).PostJsonAsync(
            $"_matrix/client/v1/appservice/{stack["APPSERVICE_ID"]}/ping", new { transaction_id = "e2e-" + Guid.NewGuid() });

        reply.GetProperty("duration_ms").GetInt64().Should().BeGreaterThanOrEqualTo(0);
        var lastPing = (await StatusAsync()).GetProperty("last_ping_from_synapse").GetDateTimeOffset();
        lastPing.Should().BeOnOrAfter(before.AddSeconds(-1), "Synapse's ping should have reached our /_matrix/app/v1/ping");
    }

    [Fact]
    public async Task RoomCreatedByTheBotArrivesAsATransactionAndIsDispatchedAsEchoes()
    {
        var roomId = await CreateRoomAsBotAsync("e2e dispatch");

        var create = await EventuallyDispatchedAsync(
            e => e.GetProperty("room_id").GetString() == roomId && e.GetProperty("type").GetString() == "m.room.create",
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

        var message = await EventuallyDispatchedAsync(e => e.GetProperty("event_id").GetString() == eventId, "the admin's message being dispatched");

        message.Should().ContainSingle();
        message[0].GetProperty("echo").GetBoolean().Should().BeFalse();
        message[0].GetProperty("sender").GetString().Should().Be(stack["ADMIN_MXID"]);
    }

    [Fact]
    public async Task TransactionReplayedByHandWithTheSameTxnIdHasNoSecondEffect()
    {
        // Make sure Synapse has sent us at least one transaction, then replay its txnId by hand.
        var roomId = await CreateRoomAsBotAsync("e2e replay");
        await EventuallyDispatchedAsync(e => e.GetProperty("room_id").GetString() == roomId, "a transaction from Synapse");
        var synapseTxnId = (await StatusAsync()).GetProperty("inbox").GetProperty("last_txn_id").GetString()!;
        var push = stack.Service(stack["HS_TOKEN"]);
        var forged = "$replayed-" + Guid.NewGuid().ToString("N");
        var fresh = "$fresh-" + Guid.NewGuid().ToString("N");
        var freshAgain = "$fresh-again-" + Guid.NewGuid().ToString("N");
        var handTxnId = "e2e-" + Guid.NewGuid().ToString("N");

        (await push.PutAsJsonAsync($"_matrix/app/v1/transactions/{synapseTxnId}", Body(Matrix.Event(forged, roomId)))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await push.PutAsJsonAsync($"_matrix/app/v1/transactions/{handTxnId}", Body(Matrix.Event(fresh, roomId)))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await push.PutAsJsonAsync($"_matrix/app/v1/transactions/{handTxnId}", Body(Matrix.Event(freshAgain, roomId)))).StatusCode.Should().Be(HttpStatusCode.OK);

        await EventuallyDispatchedAsync(e => e.GetProperty("event_id").GetString() == fresh, "the hand-made transaction being dispatched");
        var recent = await RecentEventsAsync();
        recent.Count(e => e.GetProperty("event_id").GetString() == fresh).Should().Be(1);
        recent.Should().NotContain(e => e.GetProperty("event_id").GetString() == forged, "Synapse's txnId was used already");
        recent.Should().NotContain(e => e.GetProperty("event_id").GetString() == freshAgain, "the second PUT repeated a txnId");
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
