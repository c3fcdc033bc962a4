using System.Net;

namespace OpenMeet.AppService.Tests;

public sealed class PushApiRoutesTests : IAsyncLifetime
{
    private readonly TestService service = new();

    public async Task InitializeAsync() => await service.StartAsync();

    public async Task DisposeAsync() => await service.DisposeAsync();

    [Fact]
    public async Task UnknownRouteIsUnrecognized()
    {
        var response = await service.Private().GetAsync("/_matrix/app/v1/no-such-thing");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.ErrCodeAsync()).Should().Be("M_UNRECOGNIZED");
    }

    [Theory]
    [InlineData("GET", "/_matrix/app/v1/transactions/1")]
    [InlineData("POST", "/_matrix/app/v1/transactions/1")]
    [InlineData("GET", "/_matrix/app/v1/ping")]
    [InlineData("DELETE", "/_matrix/app/v1/users/@openmeet-bot:test.example.org")]
    public async Task WrongMethodIs405WithMatrixError(string method, string path)
    {
        var response = await service.Private().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        (await response.ErrCodeAsync()).Should().Be("M_UNRECOGNIZED");
    }

    [Fact]
    public async Task PingIsAnsweredWithEmptyObject()
    {
        var response = await service.Private().PostAsync("/_matrix/app/v1/ping", Json.Body("""{"transaction_id":"abc"}"""));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("{}");
    }

    [Fact]
    public async Task UserQueryKnowsTheBotOnly()
    {
        (await service.Private().GetAsync("/_matrix/app/v1/users/@openmeet-bot:test.example.org")).StatusCode.Should().Be(HttpStatusCode.OK);
        var other = await service.Private().GetAsync("/_matrix/app/v1/users/@openmeet-bot2:test.example.org");
        other.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await other.ErrCodeAsync()).Should().Be("M_NOT_FOUND");
    }

    [Fact]
    public async Task AliasOfNoKnownEntityIsNotFound()
    {
        var response = await service.Private().GetAsync("/_matrix/app/v1/rooms/%23openmeet_nothing:test.example.org");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.ErrCodeAsync()).Should().Be("M_NOT_FOUND");
    }

    [Theory]
    [InlineData("/_matrix/app/v1/thirdparty/user")]
    [InlineData("/_matrix/app/v1/thirdparty/user/irc")]
    [InlineData("/_matrix/app/v1/thirdparty/location")]
    [InlineData("/_matrix/app/v1/thirdparty/location/irc")]
    public async Task ThirdPartyLookupsAreEmptyLists(string path)
    {
        var response = await service.Private().GetAsync(path);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("[]");
    }

    [Fact]
    public async Task ThirdPartyProtocolIsNotFound()
    {
        var response = await service.Private().GetAsync("/_matrix/app/v1/thirdparty/protocol/irc");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.ErrCodeAsync()).Should().Be("M_NOT_FOUND");
    }

    [Theory]
    [InlineData("/_matrix/app/v1/ping", "POST")]
    [InlineData("/internal/status", "GET")]
    [InlineData("/metrics", "GET")]
    public async Task PublicListenerDoesNotServePrivateResources(string path, string method)
    {
        var response = await service.Public(TestService.HsToken).SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task LiveWhileRunningButNotReadyWithoutSynapse()
    {
        var live = await service.Private(null).GetAsync("/health/live");
        var ready = await service.Private(null).GetAsync("/health/ready");

        live.StatusCode.Should().Be(HttpStatusCode.OK);
        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "this test's Synapse (127.0.0.1:9) does not exist");
        var checks = (await ready.ReadAsync()).GetProperty("checks");
        checks.GetProperty("synapse").GetProperty("status").GetString().Should().Be("Unhealthy");
        checks.GetProperty("database").GetProperty("status").GetString().Should().Be("Healthy");
        checks.GetProperty("dispatcher").GetProperty("status").GetString().Should().Be("Healthy");
        checks.GetProperty("ping").GetProperty("status").GetString().Should().Be("Unhealthy", "Synapse has never pinged us back");
        checks.GetProperty("shutdown").GetProperty("status").GetString().Should().Be("Healthy");
    }

    [Fact]
    public async Task MetricsShowTheReconcilersQueueAndFailingRooms()
    {
        var metrics = await service.Private().GetStringAsync("/metrics");

        metrics.Should().Contain("# TYPE openmeet_rooms_failing gauge\nopenmeet_rooms_failing 0\n").And.Contain("# TYPE openmeet_reconcile_queue gauge\n");
    }

    [Fact]
    public async Task HealthIsServedWhereConfigured()
    {
        (await service.Private(null).GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await service.Public().GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task MetricsCountTransactions()
    {
        await service.Private().PutAsync("/_matrix/app/v1/transactions/m1", Json.Body(Json.Transaction("$1", "$2")));
        var metrics = await service.Private(null).GetStringAsync("/metrics");
        metrics.Should().Contain("openmeet_transactions_stored_total 1\n").And.Contain("openmeet_events_stored_total 2\n");
    }

    // /metrics needs no token: it must say how many, never who or which room. Labels name a kind of
    // thing from a fixed set (an event type, an endpoint's template, an outcome), never an id.
    [Fact]
    public async Task MetricsAreNumbersWithLabelsThatNameNobody()
    {
        await service.Private().PutAsync("/_matrix/app/v1/transactions/m2", Json.Body(Json.Transaction("$3")));

        var lines = (await service.Private(null).GetStringAsync("/metrics")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines.Where(l => !l.StartsWith('#')).Should().NotBeEmpty()
            .And.OnlyContain(l => System.Text.RegularExpressions.Regex.IsMatch(l,
                @"^openmeet_[a-z0-9_]+(\{[a-z_]+=""[a-zA-Z0-9_./{}+-]*""(,[a-z_]+=""[a-zA-Z0-9_./{}+-]*"")*\})? (-?[0-9.eE+-]+|NaN)$"), "a sample is a name, labels without ids, and a number")
            .And.NotContain(l => l.Contains("someone", StringComparison.Ordinal) || l.Contains("!room", StringComparison.Ordinal));
    }
}
