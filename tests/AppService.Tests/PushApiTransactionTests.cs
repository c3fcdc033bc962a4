using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests;

public sealed class PushApiTransactionTests : IAsyncLifetime
{
    private readonly TestService service = new();
    private readonly RecordingConsumer consumer = new();

    public async Task InitializeAsync() => await service.StartAsync(s => s.AddSingleton<IEventConsumer>(consumer));

    public async Task DisposeAsync() => await service.DisposeAsync();

    private PushMetrics Metrics => service.Services.GetRequiredService<PushMetrics>();

    private Task<HttpResponseMessage> PutAsync(string txnId, string body) =>
        service.Private().PutAsync($"/_matrix/app/v1/transactions/{txnId}", Json.Body(body));

    [Fact]
    public async Task TransactionIsAcknowledgedWithEmptyObjectAndDispatched()
    {
        var response = await PutAsync("1", Json.Transaction("$a", "$b"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("{}");
        await consumer.WaitForAsync(2);
        consumer.Seen.Select(e => e.EventId).Should().Equal("$a", "$b");
        consumer.Seen.Should().AllSatisfy(e => e.TxnId.Should().Be("1"));
    }

    [Fact]
    public async Task EventsAreDispatchedInTheOrderTheyArrived()
    {
        for (var i = 0; i < 30; i++)
        {
            (await PutAsync($"t{i}", Json.Transaction($"$e{i}a", $"$e{i}b"))).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        await consumer.WaitForAsync(60);
        consumer.Seen.Select(e => e.EventId).Should().Equal(Enumerable.Range(0, 30).SelectMany(i => new[] { $"$e{i}a", $"$e{i}b" }));
    }

    [Fact]
    public async Task RepeatedTxnIdHasNoSecondEffect()
    {
        (await PutAsync("7", Json.Transaction("$first", "$second"))).StatusCode.Should().Be(HttpStatusCode.OK);
        // Synapse's retry rebuilds the body: the same events, with other unsigned.age values.
        var again = await PutAsync("7", Json.Transaction("$first", "$second").Replace("\"hi\"", "\"hi\"},\"unsigned\":{\"age\":1234", StringComparison.Ordinal));

        again.StatusCode.Should().Be(HttpStatusCode.OK);
        (await again.Content.ReadAsStringAsync()).Should().Be("{}");
        await PutAsync("8", Json.Transaction("$marker"));
        await consumer.WaitForAsync(3);
        consumer.Seen.Select(e => e.EventId).Should().Equal("$first", "$second", "$marker");
        Metrics.TransactionsRepeated.Should().Be(1);
    }

    [Fact]
    public async Task SameTxnIdWithOtherEventsIsANewTransaction()
    {
        // Synapse on SQLite numbers transactions from 1 again after a restart with nothing pending.
        (await PutAsync("1", Json.Transaction("$before-synapse-restart"))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PutAsync("1", Json.Transaction("$after-synapse-restart"))).StatusCode.Should().Be(HttpStatusCode.OK);

        await consumer.WaitForAsync(2);
        consumer.Seen.Select(e => e.EventId).Should().Equal("$before-synapse-restart", "$after-synapse-restart");
        Metrics.TransactionsRepeated.Should().Be(0);
    }

    [Fact]
    public async Task ConcurrentDuplicatesOfOneTxnIdAreStoredOnce()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PutAsync("same", Json.Transaction("$only"))));

        responses.Should().AllSatisfy(r => r.StatusCode.Should().Be(HttpStatusCode.OK));
        await PutAsync("after", Json.Transaction("$marker"));
        await consumer.WaitForAsync(2);
        consumer.Seen.Select(e => e.EventId).Should().Equal("$only", "$marker");
        Metrics.TransactionsStored.Should().Be(2);
        Metrics.TransactionsRepeated.Should().Be(15);
    }

    [Fact]
    public async Task EventsTheBotSentAreMarkedAsEchoes()
    {
        await PutAsync("1", """
            {"events":[
              {"type":"m.room.member","state_key":"@openmeet-bot:test.example.org","sender":"@openmeet-bot:test.example.org","room_id":"!r:test.example.org","event_id":"$mine","content":{"membership":"join"}},
              {"type":"m.room.member","state_key":"@p:test.example.org","sender":"@p:test.example.org","room_id":"!r:test.example.org","event_id":"$theirs","content":{"membership":"join"}}
            ]}
            """);

        await consumer.WaitForAsync(2);
        consumer.Seen.Should().SatisfyRespectively(
            e => (e.EventId, e.IsEcho, e.IsState).Should().Be(("$mine", true, true)),
            e => (e.EventId, e.IsEcho, e.StateKey).Should().Be(("$theirs", false, "@p:test.example.org")));
        Metrics.Echoes.Should().Be(1);
    }

    [Theory]
    [InlineData("{\"events\":[")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"events\":[]} trailing")]
    public async Task MalformedJsonIsNotJsonAndStoresNothing(string body)
    {
        var response = await PutAsync("bad", body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ErrCodeAsync()).Should().Be("M_NOT_JSON");
        await ShowsNothingWasStoredAsync("bad");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("{}")]
    [InlineData("{\"events\":{}}")]
    [InlineData("{\"events\":[1,2]}")]
    [InlineData("{\"events\":null}")]
    [InlineData("{\"events\":[],\"ephemeral\":{}}")]
    public async Task WrongJsonShapeIsBadJsonAndStoresNothing(string body)
    {
        var response = await PutAsync("shape", body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ErrCodeAsync()).Should().Be("M_BAD_JSON");
        await ShowsNothingWasStoredAsync("shape");
    }

    [Fact]
    public async Task BodyOverTheLimitIsTooLargeAndStoresNothing()
    {
        var big = Json.Transaction(Enumerable.Range(0, 2000).Select(i => $"$big{i}").ToArray());
        big.Length.Should().BeGreaterThan(65536);

        var response = await PutAsync("big", big);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await response.ErrCodeAsync()).Should().Be("M_TOO_LARGE");
        await ShowsNothingWasStoredAsync("big");
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimitIsTooLarge()
    {
        var big = Encoding.UTF8.GetBytes(Json.Transaction(Enumerable.Range(0, 2000).Select(i => $"$big{i}").ToArray()));
        var content = new StreamContent(new MemoryStream(big));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Put, "/_matrix/app/v1/transactions/chunked") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await service.Private().SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        await ShowsNothingWasStoredAsync("chunked");
    }

    // A refused body must not use up its txnId: Synapse will send the same id again.
    private async Task ShowsNothingWasStoredAsync(string txnId)
    {
        Metrics.TransactionsStored.Should().Be(0);
        (await PutAsync(txnId, Json.Transaction("$later"))).StatusCode.Should().Be(HttpStatusCode.OK);
        Metrics.TransactionsStored.Should().Be(1);
        Metrics.TransactionsRepeated.Should().Be(0);
    }
}
