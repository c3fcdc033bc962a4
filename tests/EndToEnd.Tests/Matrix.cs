using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenMeet.EndToEnd.Tests;

internal static class Matrix
{
    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        return await ReadOkAsync(response, $"POST {path}");
    }

    public static async Task<JsonElement> PutJsonAsync(this HttpClient client, string path, object body)
    {
        using var response = await client.PutAsJsonAsync(path, body);
        return await ReadOkAsync(response, $"PUT {path}");
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return await ReadOkAsync(response, $"GET {path}");
    }

    private static async Task<JsonElement> ReadOkAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue($"{what} should succeed, but answered {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static JsonObject Event(string eventId, string roomId) => new()
    {
        ["type"] = "m.room.message",
        ["event_id"] = eventId,
        ["room_id"] = roomId,
        ["sender"] = "@someone:openmeet.localhost",
        ["origin_server_ts"] = 0,
        ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "by hand" },
    };

    /// <summary>Polls until <paramref name="probe"/> returns a value or the time is up.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, int seconds = 30)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {seconds} s");
            }

            await Task.Delay(100);
        }
    }
}
