using System.Text.Json;

namespace OpenMeet.EndToEnd.Tests;

/// <summary>The admin bot driven from its management room by a configured admin, replies read back from Synapse.</summary>
[Collection(nameof(LiveStackFixture))]
public sealed class AdminBotEndToEndTests(LiveStackFixture stack)
{
    private readonly OpenMeet om = new(stack);

    private string Room => Uri.EscapeDataString(stack["MANAGEMENT_ROOM_ID"]);

    private async Task<string> SayAsync(HttpClient who, string text) =>
        (await who.PutJsonAsync($"_matrix/client/v3/rooms/{Room}/send/m.room.message/{Guid.NewGuid():N}", new { msgtype = "m.text", body = text }))
            .GetProperty("event_id").GetString()!;

    private async Task<JsonElement[]> RecentAsync() =>
        [.. (await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetJsonAsync($"_matrix/client/v3/rooms/{Room}/messages?dir=b&limit=100"))
            .GetProperty("chunk").EnumerateArray()];

    /// <summary>The bot's notice in reply to an event, and the reaction it put on that event.</summary>
    private async Task<(string Text, string Html, string Reaction, string NoticeId)> ReplyToAsync(string eventId, bool withReaction, int seconds = 60)
    {
        return await Matrix.EventuallyAsync(async () =>
        {
            var events = await RecentAsync();
            var notice = events.FirstOrDefault(e => e.GetProperty("type").GetString() == "m.room.message"
                && e.GetProperty("content").TryGetProperty("m.relates_to", out var r) && r.TryGetProperty("m.in_reply_to", out var to)
                && to.GetProperty("event_id").GetString() == eventId);
            var reaction = events.FirstOrDefault(e => e.GetProperty("type").GetString() == "m.reaction"
                && e.GetProperty("content").GetProperty("m.relates_to").GetProperty("event_id").GetString() == eventId);
            if (notice.ValueKind == JsonValueKind.Undefined || (withReaction && reaction.ValueKind == JsonValueKind.Undefined))
            {
                return null;
            }

            var content = notice.GetProperty("content");
            content.GetProperty("msgtype").GetString().Should().Be("m.notice");
            notice.GetProperty("sender").GetString().Should().Be($"@openmeet-bot:{om.ServerName}");
            return Tuple.Create(content.GetProperty("body").GetString()!, content.GetProperty("formatted_body").GetString()!,
                reaction.ValueKind == JsonValueKind.Undefined ? "" : reaction.GetProperty("content").GetProperty("m.relates_to").GetProperty("key").GetString()!,
                notice.GetProperty("event_id").GetString()!);
        }, $"the bot's answer to {eventId}", seconds).ContinueWith(t => (t.Result.Item1, t.Result.Item2, t.Result.Item3, t.Result.Item4), TaskScheduler.Default);
    }

    private async Task<(string Text, string Html, string Reaction, string NoticeId)> CommandAsync(string text, int seconds = 60)
    {
        var id = await SayAsync(stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]), text);
        return await ReplyToAsync(id, withReaction: true, seconds);
    }

    [Fact]
    public async Task AdminOperatesTheServiceFromTheManagementRoom()
    {
        var tenant = $"e2e{OpenMeet.Run}bot{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Bot tenant" });
        await om.PutAsync($"tenants/{tenant}/users/cleo", new { name = "Cleo", handle = $"{tenant}.cleo" });
        await om.PutAsync($"tenants/{tenant}/events/gala", new { name = "Gala", visibility = "private" });
        await om.PutAsync($"tenants/{tenant}/events/gala/members/cleo", new { role = "host" });
        var roomId = (await om.ConvergedAsync(tenant, "events", "gala")).GetProperty("roomId").GetString()!;

        var help = await CommandAsync("!om help");
        help.Text.Should().Contain("reconcile <room|tenant|all> [--dry-run]").And.Contain("crosstenant");
        help.Html.Should().Contain("<table>");
        help.Reaction.Should().Be("✅");

        var status = await CommandAsync("status");
        status.Text.Should().Contain("Synapse").And.Contain("reachable, it pinged us back").And.Contain("reconcile queue");

        var rooms = await CommandAsync($"rooms {tenant}");
        rooms.Text.Should().Contain($"{tenant}/event/gala").And.Contain(roomId).And.Contain("ready");

        var room = await CommandAsync($"room #openmeet_{tenant}.event.gala:{om.ServerName}");
        room.Text.Should().Contain($"{tenant}/event/gala: ready").And.Contain("drift: none").And.Contain($"@{tenant}.cleo:{om.ServerName}=100");

        // OpenMeet renames the event: the dry run shows the rename, unless the reconciler has made it already
        // (OpenMeet's changes are applied at once, without a wait), and the reconcile ends with it made.
        await om.PutAsync($"tenants/{tenant}/events/gala", new { name = "Gala night", visibility = "private" });
        var dry = await CommandAsync($"reconcile {tenant}/event/gala --dry-run");
        dry.Text.Should().StartWith($"Dry run for {tenant}/event/gala");
        dry.Text.Should().Match(t => t.Contains("set m.room.name: name 'Gala night'") || t.Contains("nothing to do"));
        var run = await CommandAsync($"reconcile {tenant}/event/gala");
        run.Text.Should().StartWith("Plan:").And.Contain($"Reconciled {tenant}/event/gala: 1 of 1 room(s) done");
        (await om.StateAsync(roomId))[("m.room.name", "")].GetProperty("name").GetString().Should().Be("Gala night");

        var whois = await CommandAsync($"whois {tenant}.cleo");
        whois.Text.Should().Contain($"{tenant}/cleo: Cleo").And.Contain($"@{tenant}.cleo:{om.ServerName}").And.Contain($"{tenant}/event/gala as host");

        var check = await CommandAsync($"handle check {tenant}.cleo");
        check.Text.Should().Contain("is not available").And.Contain("Free instead:");

        var unknown = await CommandAsync("!om stauts");
        unknown.Text.Should().Contain("Did you mean 'status'?");
        unknown.Reaction.Should().Be("❌");

        // Revoke asks first; a ✅ on the question does it.
        var question = await CommandAsync($"revoke {tenant}/cleo");
        question.Text.Should().Contain("React with ✅");
        await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).PutJsonAsync(
            $"_matrix/client/v3/rooms/{Room}/send/m.reaction/{Guid.NewGuid():N}",
            new Dictionary<string, object> { ["m.relates_to"] = new { rel_type = "m.annotation", event_id = question.NoticeId, key = "✅" } });
        var done = await ReplyToAsync(question.NoticeId, withReaction: false);
        done.Text.Should().StartWith($"Revoked {tenant}/cleo");
        await Matrix.EventuallyAsync(async () =>
            OpenMeet.Members(await om.StateAsync(roomId)).GetValueOrDefault($"@{tenant}.cleo:{om.ServerName}") == "leave" ? "out" : null,
            "the revoked host out of the room");

        var audit = await CommandAsync("audit 20");
        audit.Text.Should().Contain("revoke").And.Contain(stack["ADMIN_MXID"]).And.Contain("reconcile").And.Contain("internal-api");
    }

    // Someone with the bot's token makes it leave a private room: nobody in the room invites it back, so
    // the room is marked failing with the two ways out, and 'recreate' takes the second one.
    [Fact]
    public async Task RoomTheBotCannotEnterIsReportedAndRecreateGivesANewOne()
    {
        var tenant = $"e2e{OpenMeet.Run}out{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Locked out" });
        await om.PutAsync($"tenants/{tenant}/users/eve", new { name = "Eve", handle = $"{tenant}.eve" });
        await om.PutAsync($"tenants/{tenant}/groups/club", new { name = "Club", visibility = "private" });
        await om.PutAsync($"tenants/{tenant}/groups/club/members/eve", new { role = "member" });
        var old = (await om.ConvergedAsync(tenant, "groups", "club")).GetProperty("roomId").GetString()!;
        // Eve is in the room: when the last local member leaves, Synapse itself leaves the room.
        var eve = om.UserId($"{tenant}.eve");
        await Matrix.EventuallyAsync(async () =>
            OpenMeet.Members(await om.StateAsync(old)).GetValueOrDefault(eve) == "invite" ? "invited" : null, "Eve's invite");
        await (await om.ActAsAsync(eve)).PostJsonAsync($"_matrix/client/v3/join/{Uri.EscapeDataString(old)}", new { });

        await stack.Synapse(stack["AS_TOKEN"]).PostJsonAsync($"_matrix/client/v3/rooms/{Uri.EscapeDataString(old)}/leave", new { });

        var failing = await Matrix.EventuallyAsync(async () =>
        {
            var room = await om.RoomAsync(tenant, "groups", "club");
            return room.GetProperty("state").GetString() == "failed" ? room.GetProperty("lastError").GetString() : null;
        }, "the room marked failing");
        failing.Should().Contain($"the bot cannot enter {old}").And.Contain($"invite @openmeet-bot:{om.ServerName}")
            .And.Contain($"'recreate {tenant}/group/club'");
        (await CommandAsync($"room {tenant}/group/club")).Text.Should().Contain($"'recreate {tenant}/group/club'");

        var question = await CommandAsync($"recreate {tenant}/group/club");
        question.Text.Should().Contain($"instead of {old}").And.Contain("It is failing").And.Contain("React with ✅");
        await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).PutJsonAsync(
            $"_matrix/client/v3/rooms/{Room}/send/m.reaction/{Guid.NewGuid():N}",
            new Dictionary<string, object> { ["m.relates_to"] = new { rel_type = "m.annotation", event_id = question.NoticeId, key = "✅" } });
        (await ReplyToAsync(question.NoticeId, withReaction: false)).Text.Should().StartWith($"{tenant}/group/club gets a new room under its alias");

        var replaced = await Matrix.EventuallyAsync(async () =>
        {
            var room = await om.RoomAsync(tenant, "groups", "club");
            return room.GetProperty("roomId").GetString() is { } id && id != old && room.GetProperty("state").GetString() == "ready" ? id : null;
        }, "a new room for the group");
        var alias = Uri.EscapeDataString($"#openmeet_{tenant}.group.club:{om.ServerName}");
        (await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetJsonAsync($"_matrix/client/v3/directory/room/{alias}"))
            .GetProperty("room_id").GetString().Should().Be(replaced, "the alias moved to the new room");
        await om.ConvergedAsync(tenant, "groups", "club");
        OpenMeet.Members(await om.StateAsync(replaced)).Should().Contain(eve, "invite");
        OpenMeet.Members(await om.StateAsync(old))[eve].Should().Be("join", "the old room is left as it was");
        (await CommandAsync("audit 5")).Text.Should().Contain("recreate").And.Contain($"instead of {old}");
    }

    [Fact]
    public async Task SomeoneWhoIsNotAnAdminIsRefused()
    {
        var tenant = $"e2e{OpenMeet.Run}nobot{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Not admins" });
        var handle = $"{tenant}.dan";
        await om.PutAsync($"tenants/{tenant}/users/dan", new { name = "Dan", handle });
        await Matrix.EventuallyAsync(async () =>
            (await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).GetAsync($"_synapse/admin/v2/users/{Uri.EscapeDataString(om.UserId(handle))}")).IsSuccessStatusCode ? "yes" : null,
            "Dan's account");
        await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).PostJsonAsync($"_matrix/client/v3/rooms/{Room}/invite", new { user_id = om.UserId(handle) });
        var dan = await om.ActAsAsync(om.UserId(handle));
        await dan.PostJsonAsync($"_matrix/client/v3/join/{Room}", new { });

        var id = await SayAsync(dan, "!om status");

        var reply = await ReplyToAsync(id, withReaction: true);
        reply.Reaction.Should().Be("❌");
        reply.Text.Should().Be($"{om.UserId(handle)}: only this service's admins can give it commands.");
        var audit = await CommandAsync("audit 10");
        audit.Text.Should().Contain(om.UserId(handle)).And.Contain("refused");
    }
}
