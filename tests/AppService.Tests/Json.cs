using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OpenMeet.AppService.Tests;

internal static class Json
{
    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>())!;

    public static async Task<string?> ErrCodeAsync(this HttpResponseMessage response) =>
        (await response.ReadAsync()).GetProperty("errcode").GetString();

    public static string Transaction(params string[] eventIds) =>
        "{\"events\":[" + string.Join(",", eventIds.Select(id =>
            $$$"""{"type":"m.room.message","event_id":"{{{id}}}","room_id":"!room:test.example.org","sender":"@someone:test.example.org","content":{"body":"hi"}}""")) + "]}";
}
