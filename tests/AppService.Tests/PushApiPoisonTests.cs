using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests;

/// <summary>Whatever Synapse sends is stored and acknowledged; what cannot be read is set aside, not refused.</summary>
public sealed class PushApiPoisonTests : IAsyncLifetime
{
    private readonly TestService service = new();
    private readonly RecordingConsumer consumer = new(holdEventId: "$hold");

    public async Task InitializeAsync() => await service.StartAsync(s => s.AddSingleton<IEventConsumer>(consumer));

    public async Task DisposeAsync() => await service.DisposeAsync();

    private PushMetrics Metrics => service.Services.GetRequiredService<PushMetrics>();

    private Task<HttpResponseMessage> PutAsync(string txnId, string body) =>
        service.Private().PutAsync($"/_matrix/app/v1/transactions/{txnId}", Json.Body(body));

    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels - 1)) + "{}" + new string('}', levels - 1);

    private static string Event(string id, string content, string type = "m.room.message") =>
        $$$"""{"type":"{{{type}}}","event_id":"{{{id}}}","room_id":"!room:test.example.org","sender":"@someone:test.example.org","content":{{{content}}}}""";

    [Fact]
    public async Task UnreadableEventsAreQuarantinedAndTheRestOfTheTransactionIsDispatched()
    {
        var body = $$"""{"events":[{{Event("$too-deep", Nested(300))}},{{Event("$member", "{\"membership\":\"join\"}", "m.room.member")}},{"type":7,"event_id":"$typed"}]}""";

        var response = await PutAsync("poison", body);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        await consumer.WaitForAsync(1);
        await Task.Delay(200);
        consumer.Seen.Select(e => e.EventId).Should().Equal("$member");
        Metrics.EventsQuarantined.Should().Be(2);
        var status = await service.Private(TestService.InternalToken).GetAsync("/internal/status");
        var inbox = (await status.ReadAsync()).GetProperty("inbox");
        inbox.GetProperty("eventsQuarantined").GetInt64().Should().Be(2);
        inbox.GetProperty("quarantined").EnumerateArray().Select(q => (q.GetProperty("eventId").GetString(), q.GetProperty("reason").GetString()))
            .Should().BeEquivalentTo([("$typed", "'type' is not a string"), ("$too-deep", "nested deeper than 256 levels")]);
        (await service.Private().GetStringAsync("/metrics")).Should().Contain("openmeet_events_quarantined_total 2\n");
    }

    [Fact]
    public async Task DeepButReadableContentReachesTheConsumers()
    {
        var deep = Nested(124);

        (await PutAsync("deep", $$"""{"events":[{{Event("$deep", deep)}},{{Event("$after", "{\"body\":\"é\"}")}}]}""")).StatusCode.Should().Be(HttpStatusCode.OK);

        await consumer.WaitForAsync(2);
        consumer.Seen.Select(e => e.EventId).Should().Equal("$deep", "$after");
        consumer.Contents.Should().Equal(deep, "{\"body\":\"é\"}");
        Metrics.EventsQuarantined.Should().Be(0);
        Metrics.ConsumerErrors.Should().Be(0);
    }

    [Fact]
    public async Task WhenDispatchFallsBehindNewTransactionsAreAskedToComeBackLater()
    {
        File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath)
            .Replace("max_transaction_bytes: 65536", "max_transaction_bytes: 65536\n  max_pending_bytes: 70000", StringComparison.Ordinal));
        await service.StopAsync();
        await service.StartAsync(s => s.AddSingleton<IEventConsumer>(consumer));
        var filler = "{\"body\":\"" + new string('x', 30_000) + "\"}";

        // The consumer holds the first event forever, so nothing after it is dispatched.
        (await PutAsync("held", $$"""{"events":[{{Event("$hold", "{}")}}]}""")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PutAsync("a", $$"""{"events":[{{Event("$a", filler)}}]}""")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PutAsync("b", $$"""{"events":[{{Event("$b", filler)}}]}""")).StatusCode.Should().Be(HttpStatusCode.OK);
        var busy = await PutAsync("c", $$"""{"events":[{{Event("$c", filler)}}]}""");

        busy.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        busy.Headers.RetryAfter.Should().NotBeNull();
        (await busy.ErrCodeAsync()).Should().Be("M_UNKNOWN");
        (await PutAsync("a", $$"""{"events":[{{Event("$a", filler)}}]}""")).StatusCode.Should().Be(HttpStatusCode.OK, "a repeat stores nothing new");
        Metrics.TransactionsStored.Should().Be(3);
        Metrics.TransactionsRepeated.Should().Be(1);
    }
}
