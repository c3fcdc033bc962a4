using System.Text;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests.Transactions;

public sealed class TransactionParserTests
{
    private static string Event(string id, string content, string type = "m.room.message") =>
        $$$"""{"type":"{{{type}}}","event_id":"{{{id}}}","room_id":"!r:hs","sender":"@a:hs","content":{{{content}}},"unsigned":{"age":5}}""";

    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels - 1)) + "{}" + new string('}', levels - 1);

    private static TransactionParser.Result Parse(string body, string txnId = "1") => TransactionParser.Parse(txnId, Encoding.UTF8.GetBytes(body));

    [Theory]
    [InlineData(80)]
    [InlineData(124)] // the deepest content Synapse accepts
    [InlineData(255)] // the event, its content and 254 more levels: the limit exactly
    public void ContentAsDeepAsSynapseAllowsIsReadable(int levels)
    {
        var result = Parse($$"""{"events":[{{Event("$deep", Nested(levels))}}]}""");

        result.Verdict.Should().Be(TransactionParser.Verdict.Ok);
        result.Events.Should().ContainSingle().Which.Problem.Should().BeNull();
    }

    [Theory]
    [InlineData(256)]
    [InlineData(5000)]
    public void EventDeeperThanTheLimitIsQuarantinedAndTheRestIsRead(int levels)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"events":[{{Event("$deep", Nested(levels))}},{{Event("$member", "{\"membership\":\"join\"}", "m.room.member")}}]}""");
        var result = TransactionParser.Parse("1", body);

        result.Verdict.Should().Be(TransactionParser.Verdict.Ok);
        result.Events.Should().HaveCount(2);
        result.Events[0].Problem.Should().Be("nested deeper than 256 levels");
        result.Events[1].Problem.Should().BeNull();
        (result.Events[1].Type.Read(body), result.Events[1].EventId.Read(body)).Should().Be(("m.room.member", "$member"));
    }

    [Fact]
    public void NestingFarBeyondAnyLimitIsStillNotAReasonToRefuse()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var result = Parse($$$"""{"events":[{"type":"x","event_id":"$e","content":{"a":{{{deep}}}}}]}""");

        result.Verdict.Should().Be(TransactionParser.Verdict.Ok);
        result.Events.Should().ContainSingle().Which.Problem.Should().StartWith("nested deeper");
    }

    [Theory]
    [InlineData("""{"type":5,"event_id":"$e","content":{}}""", "'type' is not a string")]
    [InlineData("""{"type":"m.room.message","event_id":{"x":1},"content":{}}""", "'event_id' is not a string")]
    [InlineData("""{"type":"m.room.member","state_key":7,"event_id":"$e","content":{}}""", "'state_key' is not a string")]
    [InlineData("""{"type":"m.room.message","event_id":"$e","content":"hi"}""", "'content' is not an object")]
    [InlineData("""{"event_id":"$e","content":{}}""", "no 'type'")]
    public void EventWithFieldsOfTheWrongTypeIsQuarantined(string e, string problem)
    {
        var result = Parse($$"""{"events":[{{e}},{{Event("$ok", "{}")}}]}""");

        result.Verdict.Should().Be(TransactionParser.Verdict.Ok);
        result.Events.Select(x => x.Problem).Should().Equal(problem, null);
    }

    [Fact]
    public void SlicesPointAtTheEventAndItsContent()
    {
        var body = $$"""{"events":[{{Event("$a", "{\"body\":\"héllo \\u00e9\"}")}}]}""";
        var e = Parse(body).Events.Single();
        var bytes = Encoding.UTF8.GetBytes(body);

        Encoding.UTF8.GetString(bytes, e.Start, e.Length).Should().StartWith("{\"type\"").And.EndWith("}}");
        Encoding.UTF8.GetString(bytes, e.ContentStart, e.ContentLength).Should().Be("{\"body\":\"héllo \\u00e9\"}");
        (e.RoomId.Read(bytes), e.Sender.Read(bytes), e.StateKey.Read(bytes), e.EventId.Read(bytes)).Should().Be(("!r:hs", "@a:hs", null, "$a"));
    }

    [Fact]
    public void EscapedFieldsReadAsTheirValue()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"events":[{"type":"m.room.message","event_id":"\u0024esc","sender":"@\u00e9:hs","content":{}}]}""");
        var e = TransactionParser.Parse("1", bytes).Events.Single();

        (e.EventId.Read(bytes), e.Sender.Read(bytes), e.Type.Read(bytes)).Should().Be(("$esc", "@é:hs", "m.room.message"));
    }

    [Fact]
    public void KeyIsTheTxnIdAndTheEventIdsNotTheRestOfTheBody()
    {
        var first = Parse($$"""{"events":[{{Event("$a", "{}")}},{{Event("$b", "{}")}}]}""");
        var retried = Parse($$"""{"events":[{{Event("$a", "{}").Replace("\"age\":5", "\"age\":9000", StringComparison.Ordinal)}},{{Event("$b", "{}")}}]}""");
        var otherId = Parse($$"""{"events":[{{Event("$a", "{}")}},{{Event("$b", "{}")}}]}""", txnId: "2");
        var otherEvents = Parse($$"""{"events":[{{Event("$a", "{}")}},{{Event("$c", "{}")}}]}""");

        retried.Key.Should().Be(first.Key);
        otherId.Key.Should().NotBe(first.Key);
        otherEvents.Key.Should().NotBe(first.Key);
    }

    [Theory]
    [InlineData("""{"events":[1,2]}""")]
    [InlineData("""{"events":{}}""")]
    [InlineData("""{}""")]
    [InlineData("""[]""")]
    public void WrongTransactionShapeIsBadJson(string body) =>
        Parse(body).Verdict.Should().Be(TransactionParser.Verdict.BadJson);

    [Theory]
    [InlineData("""{"events":[""")]
    [InlineData("""{"events":[]} x""")]
    public void BrokenJsonIsNotJson(string body) =>
        Parse(body).Verdict.Should().Be(TransactionParser.Verdict.NotJson);
}
