using System.Diagnostics;
using System.Text.Json;

namespace OpenMeet.EndToEnd.Tests;

[Collection(nameof(LiveStackFixture))]
public sealed class RestartEndToEndTests(LiveStackFixture stack)
{
    [Fact]
    public async Task EventsSentWhileTheServiceWasKilledAreDispatchedOnceAfterItRestarts()
    {
        var bot = stack.Synapse(stack["AS_TOKEN"]);
        var admin = stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]);
        var roomId = (await bot.PostJsonAsync("_matrix/client/v3/createRoom", new { name = "e2e restart", room_version = "12" }))
            .GetProperty("room_id").GetString()!;
        var room = Uri.EscapeDataString(roomId);
        await bot.PostJsonAsync($"_matrix/client/v3/rooms/{room}/invite", new { user_id = stack["ADMIN_MXID"] });
        await admin.PostJsonAsync($"_matrix/client/v3/join/{room}", new { });

        using (var service = Process.GetProcessById(int.Parse(stack["APPSERVICE_PID"], System.Globalization.CultureInfo.InvariantCulture)))
        {
            service.Kill();
            await service.WaitForExitAsync();
        }

        var sent = new List<string>();
        try
        {
            // In the auth-service lane Synapse takes the admin's token from its two-minute cache of our
            // introspection answer, since the service that would answer is down.
            for (var i = 0; i < 3; i++)
            {
                sent.Add((await admin.PutJsonAsync($"_matrix/client/v3/rooms/{room}/send/m.room.message/{Guid.NewGuid():N}",
                    new { msgtype = "m.text", body = $"while you were out {i}" })).GetProperty("event_id").GetString()!);
            }
        }
        finally
        {
            // Whatever happened, the stack is back for the tests after this one.
            await LiveStackFixture.Script(LiveStackFixture.Up, TimeSpan.FromMinutes(5));
            await stack.ReadEnvAsync();
        }

        // Synapse retries with backoff (2 s, 4 s, 8 s, ...), so this can take a while.
        var dispatched = await Matrix.EventuallyAsync(async () =>
        {
            var status = await stack.Service(stack["INTERNAL_TOKEN"]).GetJsonAsync("internal/status");
            var ids = status.GetProperty("recentEvents").EnumerateArray()
                .Select(e => e.GetProperty("eventId").GetString()).Where(id => sent.Contains(id!)).ToList();
            return ids.Count == sent.Count ? ids : null;
        }, "the messages sent while the service was down being dispatched", seconds: 120);

        dispatched.Should().Equal(sent, "each once, in the order they were sent");
    }
}
