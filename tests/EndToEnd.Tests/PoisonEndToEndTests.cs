using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenMeet.EndToEnd.Tests;

/// <summary>
/// Any member of a managed room can post what Synapse accepts. None of it may stall Synapse's stream
/// to us: the change made right after it must still be seen and acted on within seconds.
/// </summary>
[Collection(nameof(LiveStackFixture))]
public sealed class PoisonEndToEndTests(LiveStackFixture stack)
{
    private readonly OpenMeet om = new(stack);

    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels - 1)) + "{}" + new string('}', levels - 1);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string room, string contentJson) =>
        await client.PutAsync($"_matrix/client/v3/rooms/{room}/send/m.room.message/{Guid.NewGuid():N}",
            new StringContent(contentJson, Encoding.UTF8, "application/json"));

    private static string Message(string body, string? extra = null) =>
        $$"""{"msgtype":"m.text","body":"{{body}}"{{(extra is null ? "" : "," + extra)}}}""";

    [Fact]
    public async Task DeepAndLargeMessagesDoNotStallTheStream()
    {
        var tenant = $"e2e{OpenMeet.Run}poison{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Poison" });
        string[] handles = [$"{tenant}.host", $"{tenant}.guest"];
        foreach (var (slug, handle) in new[] { ("host", handles[0]), ("guest", handles[1]) })
        {
            await om.PutAsync($"tenants/{tenant}/users/{slug}", new { name = slug, handle });
        }

        await om.PutAsync($"tenants/{tenant}/events/party", new { name = "Party", visibility = "private" });
        await om.PutAsync($"tenants/{tenant}/events/party/members/host", new { role = "host" });
        await om.PutAsync($"tenants/{tenant}/events/party/members/guest", new { role = "guest" });
        var roomId = (await om.ConvergedAsync(tenant, "events", "party")).GetProperty("roomId").GetString()!;
        var room = Uri.EscapeDataString(roomId);
        var host = await om.ActAsAsync(om.UserId(handles[0]));
        await host.PostJsonAsync($"_matrix/client/v3/join/{room}", new { });
        var quarantinedBefore = (await StatusAsync()).GetProperty("inbox").GetProperty("eventsQuarantined").GetInt64();

        // The deepest content Synapse accepts (it refuses one level more), then content nested 80 deep,
        // then an event of about 60 KB of non-ASCII text.
        var deepest = 0;
        for (var levels = 140; levels > 0 && deepest == 0; levels--)
        {
            using var response = await SendAsync(host, room, Message("deep", $"\"x\":{Nested(levels)}"));
            deepest = response.IsSuccessStatusCode ? levels : 0;
        }

        deepest.Should().BeGreaterThan(100, "Synapse accepts content nested over a hundred deep");
        (await SendAsync(host, room, Message("eighty", $"\"x\":{Nested(78)}"))).IsSuccessStatusCode.Should().BeTrue();
        var text = string.Concat(Enumerable.Repeat("漢字é🙂", 5000));
        Encoding.UTF8.GetByteCount(text).Should().BeGreaterThan(50_000);
        (await SendAsync(host, room, JsonSerializer.Serialize(new { msgtype = "m.text", body = "large" }).TrimEnd('}') + $",\"text\":\"{text}\"}}"))
            .IsSuccessStatusCode.Should().BeTrue("Synapse accepts an event of 60 KB");

        // Right after: a manual power-level change the service must undo.
        var levelsJson = (await host.GetJsonAsync($"_matrix/client/v3/rooms/{room}/state/m.room.power_levels")).ToString();
        var changed = JsonNode.Parse(levelsJson)!.AsObject();
        changed["users"]![om.UserId(handles[1])] = 100;
        var clock = Stopwatch.StartNew();
        await host.PutJsonAsync($"_matrix/client/v3/rooms/{room}/state/m.room.power_levels", changed);

        await Matrix.EventuallyAsync(async () =>
        {
            var state = await om.StateAsync(roomId);
            return OpenMeet.Levels(state).ContainsKey(om.UserId(handles[1])) ? null : state;
        }, "the manual power-level change being undone", seconds: 15);
        Console.WriteLine($"poison test: deepest content Synapse accepted {deepest}, change undone in {clock.ElapsedMilliseconds} ms");

        var status = await StatusAsync();
        var bodies = status.GetProperty("recentEvents").EnumerateArray()
            .Where(e => e.GetProperty("roomId").GetString() == roomId && e.GetProperty("type").GetString() == "m.room.message").Count();
        bodies.Should().BeGreaterThanOrEqualTo(3, "all three messages were dispatched");
        status.GetProperty("inbox").GetProperty("eventsQuarantined").GetInt64().Should().Be(quarantinedBefore, "all of it is readable");
    }

    private Task<JsonElement> StatusAsync() => stack.Service(stack["INTERNAL_TOKEN"]).GetJsonAsync("internal/status");
}
