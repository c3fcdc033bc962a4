using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// The internal API's write routes against seeded random bodies (fields of the wrong type, missing,
/// extra, broken JSON, deep nesting, huge strings): each answer is a result or a JSON error, never a
/// 5xx, and the service stays up. OPENMEET_API_CASES sets the cases per route (150 by default).
/// </summary>
public sealed class InternalApiPropertyTests : IAsyncLifetime
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_API_CASES"), out var n) ? n : 150;
    private readonly TestService service = new();

    private HttpClient Api => service.Private(TestService.InternalToken);

    private static readonly (HttpMethod Method, string Path, string Body)[] Routes =
    [
        (HttpMethod.Put, "/internal/tenants/t1", """{"name":"Tenant one","domain":"one.example"}"""),
        (HttpMethod.Put, "/internal/tenants/t1/users/ann", """{"name":"Ann","email":"ann@example.org","handle":"ann.one"}"""),
        (HttpMethod.Put, "/internal/tenants/t1/events/party", """{"name":"Party","visibility":"private","topic":"Snacks"}"""),
        (HttpMethod.Put, "/internal/tenants/t1/groups/hikers", """{"name":"Hikers","visibility":"public"}"""),
        (HttpMethod.Put, "/internal/tenants/t1/events/party/members/ann", """{"role":"host"}"""),
        (HttpMethod.Post, "/internal/matrix/permissions", """{"roomId":"!r:test.example.org","userSlug":"ann","powerLevel":50,"tenantId":"t1"}"""),
        (HttpMethod.Post, "/internal/reconcile", """{"tenantId":"t1","entityType":"event","entitySlug":"party","dryRun":true}"""),
    ];

    // Raw JSON, spliced in as text (a 300-deep array is more than JsonNode writes).
    private static readonly string[] Values =
    [
        "123", "-1", "1.5e308", "true", "null", "[]", "{}", "\"\"", "\"" + new string('x', 20_000) + "\"", "\"\\u0000\\ud800\"", "\"A-Z.~\"",
        string.Concat(Enumerable.Repeat("[", 300)) + string.Concat(Enumerable.Repeat("]", 300)),
    ];

    public async Task InitializeAsync()
    {
        await service.StartAsync();
        foreach (var (method, path, body) in Routes.Take(5))
        {
            (await Api.SendAsync(new HttpRequestMessage(method, path) { Content = Json.Body(body) })).StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }

    public async Task DisposeAsync() => await service.DisposeAsync();

    private static string Mutate(string valid, Random r)
    {
        if (r.Next(5) == 0)
        {
            var text = new StringBuilder(valid);
            var at = r.Next(text.Length);
            _ = r.Next(3) switch
            {
                0 => text.Remove(at, 1),
                1 => text.Insert(at, "{[\",:}]"[r.Next(7)]),
                _ => text.Remove(at, text.Length - at),
            };
            return text.ToString();
        }

        const string Slot = "__value__";
        var body = JsonNode.Parse(valid)!.AsObject();
        var names = body.Select(p => p.Key).ToList();
        switch (r.Next(3))
        {
            case 0:
                body[names[r.Next(names.Count)]] = Slot;
                break;
            case 1:
                body.Remove(names[r.Next(names.Count)]);
                break;
            default:
                body["unexpected" + r.Next(3)] = Slot;
                break;
        }

        return body.ToJsonString().Replace($"\"{Slot}\"", Values[r.Next(Values.Length)], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryBodyGetsAResultOrAJsonErrorNeverAServerError()
    {
        var random = new Random(1201);
        foreach (var (method, path, valid) in Routes)
        {
            for (var i = 0; i < Cases; i++)
            {
                var body = Mutate(valid, random);
                using var response = await Api.SendAsync(new HttpRequestMessage(method, path) { Content = Json.Body(body) });
                var text = await response.Content.ReadAsStringAsync();

                ((int)response.StatusCode).Should().BeLessThan(500, $"{method} {path} {body}: {text}");
                if (!response.IsSuccessStatusCode)
                {
                    var error = JsonDocument.Parse(text).RootElement;
                    error.GetProperty("error").ValueKind.Should().Be(JsonValueKind.String, $"{method} {path} {body}: {text}");
                    error.GetProperty("message").ValueKind.Should().Be(JsonValueKind.String);
                }
            }
        }

        (await service.Private(null).GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
