using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.OpenApi;

namespace OpenMeet.AppService.Tests.OpenApi;

/// <summary>The OpenAPI documents describe exactly the routes the service maps, each fully, on the right listener.</summary>
public sealed partial class ApiReferenceTests : IAsyncLifetime
{
    private readonly TestService service = new();

    public async Task InitializeAsync() => await service.StartAsync();

    public async Task DisposeAsync() => await service.DisposeAsync();

    [Theory]
    [InlineData("internal", "/internal")]
    [InlineData("public", "/api")]
    public async Task EachDocumentListsExactlyTheRoutesOfItsApi(string document, string prefix)
    {
        var doc = await DocumentAsync(document);

        Operations(doc).Select(o => $"{o.Method} {o.Path}").Should().BeEquivalentTo(Routes(prefix).Select(r => $"{r.Method} {r.Path}"));
    }

    [Theory]
    [InlineData("internal", "/internal")]
    [InlineData("public", "/api")]
    public async Task EveryOperationHasASummaryItsBodiesWithExamplesAndItsErrorCodes(string document, string prefix)
    {
        var doc = await DocumentAsync(document);
        var routes = Routes(prefix).ToDictionary(r => $"{r.Method} {r.Path}");

        foreach (var (method, path, operation) in Operations(doc))
        {
            var route = routes[$"{method} {path}"];
            var name = $"{method} {path}";
            operation.TryGetProperty("summary", out var summary).Should().BeTrue(name);
            summary.GetString().Should().NotBeNullOrWhiteSpace(name);

            var takesBody = route.Endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not null;
            operation.TryGetProperty("requestBody", out var request).Should().Be(takesBody, $"{name} reads a body: {takesBody}");
            if (takesBody)
            {
                var json = request.GetProperty("content").GetProperty("application/json");
                json.TryGetProperty("schema", out _).Should().BeTrue(name);
                json.TryGetProperty("example", out _).Should().BeTrue($"{name} has a request example");
            }

            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            var successes = responses.Where(r => r.Name.StartsWith('2')).ToList();
            successes.Should().NotBeEmpty(name);
            foreach (var success in successes.Where(s => s.Name != "204"))
            {
                var json = success.Value.GetProperty("content").GetProperty("application/json");
                json.TryGetProperty("schema", out _).Should().BeTrue($"{name} {success.Name} has a schema");
                json.TryGetProperty("example", out _).Should().BeTrue($"{name} {success.Name} has an example");
            }

            var declared = route.Endpoint.Metadata.GetOrderedMetadata<ErrorCodeMetadata>().SelectMany(m => m.Codes).ToHashSet();
            declared.Should().Contain(["unauthorized", "forbidden", "database_unavailable"], name);
            var documented = new List<string>();
            foreach (var error in responses.Where(r => r.Name[0] is '4' or '5'))
            {
                error.Value.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace();
                var json = error.Value.GetProperty("content").GetProperty("application/json");
                json.GetProperty("schema").ToString().Should().Contain("ApiError", $"{name} {error.Name} answers the error body");
                foreach (var example in json.GetProperty("examples").EnumerateObject())
                {
                    var code = example.Value.GetProperty("value").GetProperty("error").GetString()!;
                    code.Should().Be(example.Name);
                    ErrorCodes.All[code].Status.ToString(System.Globalization.CultureInfo.InvariantCulture).Should().Be(error.Name, $"{name}: {code}");
                    documented.Add(code);
                }
            }

            documented.Should().BeEquivalentTo(declared, name);
        }
    }

    [Theory]
    [InlineData("internal", "internalToken")]
    [InlineData("public", "openMeetJwt")]
    public async Task EachDocumentNamesItsBearerScheme(string document, string scheme)
    {
        var doc = await DocumentAsync(document);

        doc.GetProperty("components").GetProperty("securitySchemes").GetProperty(scheme).GetProperty("scheme").GetString().Should().Be("bearer");
        doc.GetProperty("security")[0].TryGetProperty(scheme, out _).Should().BeTrue();
    }

    [Fact]
    public async Task RequestBodiesRequireOnlyWhatTheHandlersRequire()
    {
        var schemas = (await DocumentAsync("internal")).GetProperty("components").GetProperty("schemas");

        schemas.GetProperty("UserBody").GetProperty("required").EnumerateArray().Select(e => e.GetString()).Should().Equal("name");
        var entity = schemas.GetProperty("EntityBody");
        entity.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Should().BeEquivalentTo("name", "visibility");
        entity.GetProperty("properties").GetProperty("visibility").GetProperty("enum").EnumerateArray().Select(e => e.GetString())
            .Should().Equal("public", "private");
    }

    [Fact]
    public async Task EachDocumentIsServedOnlyOnTheListenerOfItsApi()
    {
        (await service.Private(null).GetAsync("/openapi/public.json")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await service.Public().GetAsync("/openapi/internal.json")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await service.Public().GetAsync("/scalar")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await service.Public().GetAsync("/scalar/openapi/public.json")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ThePageOnTheInternalListenerShowsBothDocumentsWithItsOwnScript()
    {
        var client = service.Private(null);

        var page = await client.GetStringAsync("/scalar");

        // Scalar resolves these against the site's root, not the page.
        page.Should().Contain("\"scalar/openapi/internal.json\"").And.Contain("\"scalar/openapi/public.json\"");
        var scripts = ScriptSource().Matches(page).Select(m => m.Groups[1].Value).ToList();
        scripts.Should().NotBeEmpty().And.OnlyContain(s => !s.StartsWith("http", StringComparison.Ordinal), "the page needs no internet");
        foreach (var script in scripts)
        {
            (await client.GetAsync(new Uri(new Uri(client.BaseAddress!, "/scalar/"), script))).StatusCode.Should().Be(HttpStatusCode.OK, script);
        }

        (await client.GetAsync("/scalar/openapi/public.json")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public void EveryErrorCodeTheCodeAnswersIsListedWithItsStatus()
    {
        var source = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src", "AppService"), "*.cs", SearchOption.AllDirectories)
            .Select(File.ReadAllText);

        var answered = source.SelectMany(s => ErrorCall().Matches(s)).Select(m => (Code: m.Groups[2].Value, Status: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))).Distinct().ToList();

        answered.Should().HaveCountGreaterThan(20);
        answered.Should().OnlyContain(a => ErrorCodes.All.ContainsKey(a.Code) && ErrorCodes.All[a.Code].Status == a.Status);
    }

    private async Task<JsonElement> DocumentAsync(string name)
    {
        var client = name == "internal" ? service.Private(null) : service.Public();
        var response = await client.GetAsync($"/openapi/{name}.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.ReadAsync();
    }

    private static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()
            .Where(o => o.Name is "get" or "put" or "post" or "delete" or "patch")
            .Select(o => (o.Name.ToUpperInvariant(), p.Name, o.Value)));

    private List<(string Method, string Path, RouteEndpoint Endpoint)> Routes(string prefix) =>
        [.. service.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw == prefix || raw.StartsWith(prefix + "/", StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (m, e.RoutePattern.RawText!, e)))];

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();

    [GeneratedRegex("Errors\\.Api\\((\\d{3}), \"([a-z_]+)\"")]
    private static partial Regex ErrorCall();
}
