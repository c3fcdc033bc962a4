using System.Text.Json;

namespace OpenMeet.EndToEnd.Tests.Faults;

/// <summary>The management room as its admin sees it: what the bot posted there since a moment.</summary>
internal sealed class ManagementRoomLog(LiveStackFixture stack)
{
    private string Room => Uri.EscapeDataString(stack["MANAGEMENT_ROOM_ID"]);

    public string BotUserId => $"@openmeet-bot:{stack["SERVER_NAME"]}";

    /// <summary>Sends a command as the server admin; returns its event id.</summary>
    public async Task<string> SayAsync(string text) =>
        (await stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]).PutJsonAsync($"_matrix/client/v3/rooms/{Room}/send/m.room.message/{Guid.NewGuid():N}",
            new { msgtype = "m.text", body = text })).GetProperty("event_id").GetString()!;

    /// <summary>Every event of the room sent at or after <paramref name="sinceMs"/> (origin_server_ts), newest first.</summary>
    public async Task<List<JsonElement>> SinceAsync(long sinceMs)
    {
        var admin = stack.Synapse(stack["ADMIN_ACCESS_TOKEN"]);
        var events = new List<JsonElement>();
        string? from = null;
        while (true)
        {
            var page = await admin.GetJsonAsync($"_matrix/client/v3/rooms/{Room}/messages?dir=b&limit=500" + (from is null ? "" : $"&from={Uri.EscapeDataString(from)}"));
            var chunk = page.GetProperty("chunk").EnumerateArray().ToList();
            events.AddRange(chunk.Where(e => e.GetProperty("origin_server_ts").GetInt64() >= sinceMs));
            if (chunk.Count == 0 || chunk[^1].GetProperty("origin_server_ts").GetInt64() < sinceMs || !page.TryGetProperty("end", out var end))
            {
                return events;
            }

            from = end.GetString();
        }
    }

    /// <summary>The bot's notices among <paramref name="events"/>, with the event each answers (or null).</summary>
    public List<(string NoticeId, string? InReplyTo, string Body)> Notices(IEnumerable<JsonElement> events) =>
        [.. events.Where(e => e.GetProperty("type").GetString() == "m.room.message" && e.GetProperty("sender").GetString() == BotUserId
                && e.GetProperty("content").TryGetProperty("msgtype", out var t) && t.GetString() == "m.notice")
            .Select(e =>
            {
                var content = e.GetProperty("content");
                string? to = content.TryGetProperty("m.relates_to", out var r) && r.TryGetProperty("m.in_reply_to", out var reply)
                    ? reply.GetProperty("event_id").GetString() : null;
                return (e.GetProperty("event_id").GetString()!, to, content.GetProperty("body").GetString()!);
            })];
}
