using System.Net;
using System.Text.Json;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.Tests.Hosting;

/// <summary>Every request has an id: in its answer's X-Request-Id and on every log line written while it is handled.</summary>
public sealed class RequestIdTests : IAsyncDisposable
{
    private const string AuditLine = "Audit: internal-api PUT /internal/tenants/t1: ok 200";
    private const string RequestLine = " PUT /internal/tenants/t1 200 in ";
    private readonly TestService service = new();

    public async ValueTask DisposeAsync() => await service.DisposeAsync();

    private async Task<string> PutTenantAsync(string format, params string[] callersIds)
    {
        File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath).Replace("  level: Debug", $"  level: Debug\n  format: {format}", StringComparison.Ordinal));
        await service.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/internal/tenants/t1?access_token={TestService.InternalToken}") { Content = Json.Body("""{"name":"One"}""") };
        foreach (var id in callersIds)
        {
            request.Headers.TryAddWithoutValidation(RequestIds.Header, id);
        }

        var answer = await service.Private(TestService.InternalToken).SendAsync(request);
        answer.StatusCode.Should().Be(HttpStatusCode.OK);
        await service.StopAsync();
        return answer.Headers.GetValues(RequestIds.Header).Should().ContainSingle().Subject;
    }

    [Fact]
    public async Task TextLinesOfARequestShowTheIdItIsAnsweredWith()
    {
        var id = await PutTenantAsync("text");

        var lines = service.Log.ToString().Split('\n');
        id.Should().NotBeNullOrWhiteSpace();
        lines.Should().ContainSingle(l => l.Contains(AuditLine, StringComparison.Ordinal)).Which.Should().Contain($"AuditLog [{id}]: ");
        lines.Should().ContainSingle(l => l.Contains(RequestLine, StringComparison.Ordinal)).Which.Should().Contain($"RequestLoggingMiddleware [{id}]: ");
        lines.Should().Contain(l => l.Contains(" started: listening on ", StringComparison.Ordinal))
            .Which.Should().Contain("[INF] OpenMeet.AppService: ", "a line written outside any request has no id");
        service.Log.ToString().Should().NotContain(TestService.InternalToken, "the query string is never logged");
    }

    [Fact]
    public async Task JsonLinesOfARequestHaveTheCallersIdAsAProperty()
    {
        var id = await PutTenantAsync("json", "edge-7f3a.42:b");

        id.Should().Be("edge-7f3a.42:b");
        var events = service.Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ofRequest = events.Where(e => e.TryGetProperty(RequestIds.LogProperty, out var p) && p.GetString() == id).Select(e => e.GetProperty("@mt").GetString()).ToList();
        ofRequest.Should().Contain("Audit: {Actor} {Action} {Target}: {Outcome} {Detail}").And.Contain(m => m!.Contains("{RequestMethod} {RequestPath} {StatusCode}", StringComparison.Ordinal));
        events.Where(e => e.TryGetProperty(RequestIds.LogProperty, out _)).Should().OnlyContain(e => e.GetProperty(RequestIds.LogProperty).GetString() == id,
            "ASP.NET's own request id (the connection's) does not win over the caller's");
    }

    public static TheoryData<string[]> UnsafeIds => new()
    {
        new[] { "two words" },
        new[] { "semi;colon" },
        new[] { "<script>" },
        new[] { "percent%20encoded" },
        new[] { new string('x', 129) },
        new[] { "id-first-0001", "id-second-0002" },
    };

    [Theory]
    [MemberData(nameof(UnsafeIds))]
    public async Task AnIdThatIsNotSafeToLogIsReplacedByOurOwn(string[] callersIds)
    {
        var id = await PutTenantAsync("text", callersIds);

        id.Should().MatchRegex(@"^[A-Za-z0-9:]+$", "ASP.NET's own id, such as 0HNQFI0JP71D6:00000001");
        callersIds.Should().NotContain(id);
        var log = service.Log.ToString();
        log.Should().Contain($"AuditLog [{id}]: {AuditLine}");
        foreach (var bad in callersIds)
        {
            log.Should().NotContain(bad);
        }
    }

    [Fact]
    public async Task ErrorAnswersCarryAnIdToo()
    {
        await service.StartAsync();

        var unauthorized = await service.Private(null).GetAsync("/internal/status");
        var unknownRoute = await service.Private().GetAsync("/_matrix/app/v1/nothing");
        var otherListener = await service.Public().GetAsync("/internal/status");

        foreach (var answer in new[] { unauthorized, unknownRoute, otherListener })
        {
            answer.StatusCode.Should().BeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.NotFound);
            answer.Headers.GetValues(RequestIds.Header).Should().ContainSingle().Which.Should().NotBeNullOrWhiteSpace();
        }
    }
}
