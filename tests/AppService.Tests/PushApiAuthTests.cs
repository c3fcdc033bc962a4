using System.Net;

namespace OpenMeet.AppService.Tests;

public sealed class PushApiAuthTests : IAsyncLifetime
{
    private readonly TestService service = new();

    public async Task InitializeAsync() => await service.StartAsync();

    public async Task DisposeAsync() => await service.DisposeAsync();

    [Fact]
    public async Task NoTokenIsUnauthorized()
    {
        var response = await service.Private(bearer: null).PutAsync("/_matrix/app/v1/transactions/1", Json.Body(Json.Transaction("$a")));
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.ErrCodeAsync()).Should().Be("M_UNAUTHORIZED");
    }

    [Theory]
    [InlineData("wrong-token-0123456789")]
    [InlineData("")]
    [InlineData(TestService.AsToken)]
    public async Task WrongTokenIsForbidden(string token)
    {
        var response = await service.Private(bearer: token).PutAsync("/_matrix/app/v1/transactions/1", Json.Body(Json.Transaction("$a")));
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.ErrCodeAsync()).Should().Be("M_FORBIDDEN");
    }

    [Fact]
    public async Task LegacyQueryParameterTokenIsAccepted()
    {
        var response = await service.Private(bearer: null).PutAsync(
            $"/_matrix/app/v1/transactions/1?access_token={TestService.HsToken}", Json.Body(Json.Transaction("$a")));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WrongQueryParameterTokenIsForbidden()
    {
        var response = await service.Private(bearer: null).PutAsync(
            "/_matrix/app/v1/transactions/1?access_token=nope-nope-nope-nope", Json.Body(Json.Transaction("$a")));
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData(TestService.HsToken, "another-token-0123456789")]
    [InlineData("another-token-0123456789", TestService.HsToken)]
    public async Task HeaderAndQueryTokensThatDisagreeAreForbidden(string header, string query)
    {
        var response = await service.Private(bearer: header).PutAsync(
            $"/_matrix/app/v1/transactions/1?access_token={query}", Json.Body(Json.Transaction("$a")));
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.ErrCodeAsync()).Should().Be("M_FORBIDDEN");
    }

    [Fact]
    public async Task NonBearerAuthorizationIsForbidden()
    {
        var client = service.Private(bearer: null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic " + TestService.HsToken);
        var response = await client.PostAsync("/_matrix/app/v1/ping", Json.Body("{}"));
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("GET", "/_matrix/app/v1/users/@openmeet-bot:test.example.org")]
    [InlineData("GET", "/_matrix/app/v1/rooms/%23openmeet_x:test.example.org")]
    [InlineData("POST", "/_matrix/app/v1/ping")]
    [InlineData("GET", "/_matrix/app/v1/thirdparty/user")]
    public async Task EveryRouteNeedsTheToken(string method, string path)
    {
        var response = await service.Private(bearer: null).SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task InternalApiWantsItsOwnTokenWithJsonErrors()
    {
        var none = await service.Private(bearer: null).GetAsync("/internal/status");
        none.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await none.ReadAsync()).GetProperty("error").GetString().Should().Be("unauthorized");

        var hs = await service.Private(bearer: TestService.HsToken).GetAsync("/internal/status");
        hs.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await hs.ReadAsync()).GetProperty("error").GetString().Should().Be("forbidden");

        var ok = await service.Private(bearer: TestService.InternalToken).GetAsync("/internal/status");
        ok.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task InternalApiDoesNotTakeItsTokenAsAQueryParameter()
    {
        var query = await service.Private(bearer: null).GetAsync($"/internal/status?access_token={TestService.InternalToken}");
        query.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the internal token is taken from the Authorization header only");
        (await query.ReadAsync()).GetProperty("error").GetString().Should().Be("unauthorized");

        var api = service.Private(TestService.InternalToken);
        (await api.PutAsync("/internal/tenants/t1", Json.Body("{\"name\": \"One\"}"))).StatusCode.Should().Be(HttpStatusCode.OK);
        var write = await service.Private(bearer: null).PutAsync($"/internal/tenants/t1/users/john?access_token={TestService.InternalToken}", Json.Body("{\"name\": \"John\"}"));
        write.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await api.GetAsync("/internal/tenants/t1/users/john")).StatusCode.Should().Be(HttpStatusCode.NotFound, "nothing was written");
    }
}
