using System.Collections.Concurrent;
using System.Text.Json.Nodes;

using static OpenMeet.AppService.Tests.AdminBot.BotRoomStandIn;

namespace OpenMeet.AppService.Tests.AdminBot;

/// <summary>
/// What the bot acts on: messages and reactions pushed in transactions, as Synapse would, with a
/// stand-in Synapse on loopback that records what the bot sends (<see cref="BotRoomStandIn"/>).
/// </summary>
public sealed class ManagementRoomTests : IAsyncLifetime
{
    private const string OtherRoom = "!elsewhere:test.example.org";
    private const string Admin = "@boss:test.example.org";
    private const string OtherAdmin = "@deputy:test.example.org";
    private const string Stranger = "@eve:test.example.org";
    private BotRoomStandIn? synapse;
    private TestService? service;

    private ConcurrentQueue<JsonObject> Sent => synapse!.Sent;

    public async Task InitializeAsync()
    {
        synapse = await BotRoomStandIn.StartAsync();
        service = new TestService($$"""
            admin_bot:
              admins: ["{{Admin}}", "{{OtherAdmin}}"]
              management_room: "{{Room}}"
            """, synapse.Url);
        await service.StartAsync();
        await Until(() => Sent.Any(m => Body(m).Contains("is back", StringComparison.Ordinal)), "the bot's hello in its room");

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
        Sent.Should().NotContain(m => m["room_id"]!.GetValue<string>() != Room, "the bot says nothing outside its room");
        Sent.Should().NotContain(m => Answers(m, "$elsewhere1") || Answers(m, "$elsewhere2"));
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
        Sent.Should().NotContain(m => Body(m).StartsWith("Revoked", StringComparison.Ordinal));

        await PushAsync(Reaction("$byAdmin", Id(question), Admin));
        Body(await ReplyAsync(Id(question), m => Body(m).StartsWith("Revoked", StringComparison.Ordinal))).Should().StartWith("Revoked t1/alice");
        await PushAsync(Message("$whois2", "whois t1/alice", Admin));
        Body(await ReplyAsync("$whois2")).Should().Contain("revoked: yes");
    }

    [Fact]
    public async Task TheBotsDisplayNameIsSetOnlyWhenItDiffers()
    {
        synapse!.DisplayNamesSet.Should().Be(0, "Synapse had the name already; setting it again re-sends the bot's membership into every room");

        await service!.StopAsync();
        synapse.DisplayName = "Someone renamed the bot";
        await service.StartAsync();
        await Until(() => synapse.DisplayNamesSet == 1, "the name set again");
        synapse.DisplayName.Should().Be("OpenMeet");
    }

    [Fact]
    public async Task AReconcileOfATenantIsOneReplyEditedInPlaceUntilItIsDone()
    {
        await PushAsync(Message("$reconcile1", "reconcile t1", Admin));
        var reply = await ReplyAsync("$reconcile1");
        Body(reply).Should().StartWith("Reconciling t1: ").And.Contain("(job ");

        await Until(() => Sent.Any(m => Edits(m, Id(reply)) && NewBody(m).StartsWith("Reconciled t1: 1 of 1 room(s) done in ", StringComparison.Ordinal)),
            "the reply edited into the outcome", seconds: 30);
        Sent.Where(m => Edits(m, Id(reply))).Should().OnlyContain(m => Body(m).StartsWith("* ", StringComparison.Ordinal), "clients without edits show it as a correction");
        Sent.Count(m => Answers(m, "$reconcile1")).Should().Be(1, "progress is an edit of the reply, not more messages");
    }

    private static string NewBody(JsonObject m) => m["m.new_content"]?["body"]?.GetValue<string>() ?? "";

    private Task PushAsync(JsonObject e) => BotRoomStandIn.PushAsync(service!, e);

    private Task<JsonObject> ReplyAsync(string eventId, Func<JsonObject, bool>? which = null) => synapse!.ReplyAsync(eventId, which);
}
