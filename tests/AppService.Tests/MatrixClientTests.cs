using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Tests;

/// <summary>The client's retry and error logic, against scripted answers (the real Synapse is in the end-to-end tests).</summary>
public sealed class MatrixClientTests
{
    private sealed class Scripted(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(answers[Math.Min(Requests.Count - 1, answers.Length - 1)](request));
        }
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static (MatrixClient, Scripted) Client(params Func<HttpRequestMessage, HttpResponseMessage>[] answers)
    {
        var handler = new Scripted(answers);
        var config = new AppConfig { Homeserver = { ServerName = "hs.test" }, Appservice = { Id = "openmeet", BotLocalpart = "bot", AsToken = "as_token_for_tests_0123" } };
        var http = new HttpClient(handler) { BaseAddress = new Uri("http://hs.test/") };
        var reachability = new SynapseReachability(TimeProvider.System);
        return (new MatrixClient(http, config, new ClientTxnIds(), reachability, new SynapseMetrics(TestMeters.Factory(), reachability), NullLogger<MatrixClient>.Instance), handler);
    }

    [Fact]
    public async Task RequestsCarryTheAsTokenUnlessToldOtherwise()
    {
        var (client, handler) = Client(_ => Answer(HttpStatusCode.OK, """{"user_id":"@bot:hs.test"}"""));

        await client.WhoAmIAsync(CancellationToken.None);
        await client.SendAsync(HttpMethod.Post, "_matrix/client/v3/login", new System.Text.Json.Nodes.JsonObject(), CancellationToken.None, MatrixClient.Anonymous);

        handler.Requests[0].Headers.Authorization!.ToString().Should().Be("Bearer as_token_for_tests_0123");
        handler.Requests[1].Headers.Authorization.Should().BeNull();
    }

    [Fact]
    public async Task A204IsEmptyEvenWhenItsHeadersAnnounceABody()
    {
        // Synapse's delete_device: Twisted keeps the Content-Length of the "{}" it then drops.
        var (client, _) = Client(_ =>
        {
            var answer = new HttpResponseMessage(HttpStatusCode.NoContent) { Content = new ByteArrayContent([]) };
            answer.Content.Headers.ContentLength = 2;
            answer.Content.Headers.ContentType = new("application/json");
            return answer;
        });

        var reply = await client.SendAsync(HttpMethod.Post, "_synapse/mas/delete_device", new System.Text.Json.Nodes.JsonObject(), CancellationToken.None);

        reply.Should().BeNull();
    }

    [Fact]
    public async Task APostSaidToBeIdempotentIsRetriedAfterA500AndOthersAreNot()
    {
        Func<HttpRequestMessage, HttpResponseMessage>[] script =
            [_ => Answer(HttpStatusCode.InternalServerError, """{"errcode":"M_UNKNOWN","error":"oops"}"""), _ => Answer(HttpStatusCode.OK, "{}")];
        var (idempotent, retried) = Client(script);
        var (plain, once) = Client(script);

        await idempotent.SendAsync(HttpMethod.Post, "_synapse/mas/provision_user", new System.Text.Json.Nodes.JsonObject(), CancellationToken.None, idempotent: true);
        var act = () => plain.SendAsync(HttpMethod.Post, "_matrix/client/v3/createRoom", new System.Text.Json.Nodes.JsonObject(), CancellationToken.None);

        retried.Requests.Should().HaveCount(2);
        (await act.Should().ThrowAsync<MatrixException>()).Which.Status.Should().Be(HttpStatusCode.InternalServerError);
        once.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task MatrixErrorBecomesOneExceptionType()
    {
        var (client, _) = Client(_ => Answer(HttpStatusCode.Forbidden, """{"errcode":"M_FORBIDDEN","error":"You are not invited"}"""));

        var act = () => client.CreateRoomAsync(new(), CancellationToken.None);

        var e = (await act.Should().ThrowAsync<MatrixException>()).Which;
        (e.Status, e.ErrCode, e.Error).Should().Be((HttpStatusCode.Forbidden, "M_FORBIDDEN", "You are not invited"));
    }

    [Fact]
    public async Task NonMatrixErrorBodyStillGivesAnErrcode()
    {
        var (client, _) = Client(_ => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") });

        var act = () => client.CreateRoomAsync(new(), CancellationToken.None);

        (await act.Should().ThrowAsync<MatrixException>()).Which.ErrCode.Should().Be("M_UNKNOWN");
    }

    [Fact]
    public async Task RateLimitIsWaitedOutEvenForPost()
    {
        var (client, handler) = Client(
            _ => Answer(HttpStatusCode.TooManyRequests, """{"errcode":"M_LIMIT_EXCEEDED","error":"Too many","retry_after_ms":50}"""),
            _ => Answer(HttpStatusCode.OK, """{"room_id":"!r:hs.test"}"""));

        (await client.CreateRoomAsync(new(), CancellationToken.None)).Should().Be("!r:hs.test");
        handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public void RetryAfterHeaderWinsOverTheBodyAndIsCapped()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
        MatrixClient.RetryAfter(response, new MatrixError("M_LIMIT_EXCEEDED", "", 50)).Should().Be(TimeSpan.FromSeconds(3));

        response.Headers.RetryAfter = null;
        MatrixClient.RetryAfter(response, new MatrixError("M_LIMIT_EXCEEDED", "", 50)).Should().Be(TimeSpan.FromMilliseconds(50));
        MatrixClient.RetryAfter(response, new MatrixError("M_LIMIT_EXCEEDED", "", 86_400_000)).Should().Be(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task ServerErrorIsNotRetriedForNonIdempotentPost()
    {
        var (client, handler) = Client(_ => Answer(HttpStatusCode.InternalServerError, """{"errcode":"M_UNKNOWN","error":"boom"}"""));

        var act = () => client.CreateRoomAsync(new(), CancellationToken.None);

        await act.Should().ThrowAsync<MatrixException>();
        handler.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task ServerErrorIsRetriedForPutWithTheSameTransactionId()
    {
        var (client, handler) = Client(
            _ => Answer(HttpStatusCode.ServiceUnavailable, """{"errcode":"M_UNKNOWN","error":"busy"}"""),
            _ => Answer(HttpStatusCode.OK, """{"event_id":"$e"}"""));

        (await client.SendEventAsync("!r:hs.test", "m.room.message", new() { ["body"] = "hi" }, CancellationToken.None)).Should().Be("$e");
        handler.Requests.Should().HaveCount(2);
        handler.Requests[0].RequestUri.Should().Be(handler.Requests[1].RequestUri, "a retry must reuse the transaction id");
    }

    [Fact]
    public async Task TransactionIdsDifferBetweenEventsAndBetweenProcesses()
    {
        var (client, handler) = Client(_ => Answer(HttpStatusCode.OK, """{"event_id":"$e"}"""));
        await client.SendEventAsync("!r:hs.test", "m.room.message", new(), CancellationToken.None);
        await client.SendEventAsync("!r:hs.test", "m.room.message", new(), CancellationToken.None);
        var (otherProcess, otherHandler) = Client(_ => Answer(HttpStatusCode.OK, """{"event_id":"$e"}"""));
        await otherProcess.SendEventAsync("!r:hs.test", "m.room.message", new(), CancellationToken.None);

        handler.Requests.Concat(otherHandler.Requests).Select(r => r.RequestUri!.ToString()).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task RoomStateNestedAsDeepAsSynapseAllowsIsReadable()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 149)) + "{}" + new string('}', 149);
        var (client, _) = Client(_ => Answer(HttpStatusCode.OK, $$"""[{"type":"x.custom","state_key":"","content":{{deep}}}]"""));

        var state = await client.GetStateAsync("!room:hs.test", CancellationToken.None);

        state.Should().ContainSingle().Which!["type"]!.GetValue<string>().Should().Be("x.custom");
    }
}
