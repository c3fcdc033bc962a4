using System.Text;
using System.Text.Json;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests.Transactions;

/// <summary>
/// The parser against System.Text.Json's own document parser, over bodies made by breaking a real
/// transaction at random (seeded, so a failure repeats; OPENMEET_PARSER_CASES for a longer run).
/// </summary>
public sealed class TransactionParserPropertyTests
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_PARSER_CASES"), out var n) ? n : 5000;

    private static readonly string Valid = "{\"events\":[" + string.Join(",", Enumerable.Range(0, 4).Select(i =>
        $$$"""{"type":"m.room.message","event_id":"$e{{{i}}}","room_id":"!r:hs","sender":"@u{{{i}}}:hs","content":{"body":"h\u00e9llo {{{i}}}","n":[1,2.5,true,null,{"x":"y"}]},"unsigned":{"age":{{{i}}}}}""")) + "],\"ephemeral\":[]}";

    private static readonly string[] Pieces = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\"type\":", "\"events\":", "{\"a\":", "null", "1e999", "\u00e9", "\\u0000", " ", "true"];

    private static byte[] Mutate(Random r)
    {
        var text = new StringBuilder(Valid);
        for (var m = r.Next(1, 4); m > 0; m--)
        {
            var at = r.Next(text.Length + 1);
            switch (r.Next(4))
            {
                case 0 when text.Length > 0:
                    text.Remove(Math.Min(at, text.Length - 1), Math.Min(r.Next(1, 8), text.Length - Math.Min(at, text.Length - 1)));
                    break;
                case 1:
                    text.Insert(at, Pieces[r.Next(Pieces.Length)]);
                    break;
                case 2:
                    text.Length = Math.Min(text.Length, at);
                    break;
                default:
                    text.Insert(at, string.Concat(Enumerable.Repeat("{\"d\":", r.Next(1, 40))));
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    // What the parser must say, by System.Text.Json's document parser.
    private static TransactionParser.Verdict Expected(byte[] body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 100_000 });
        }
        catch (JsonException)
        {
            return TransactionParser.Verdict.NotJson;
        }

        using (doc)
        {
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array
                && events.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object)
                && (!root.TryGetProperty("ephemeral", out var ephemeral) || ephemeral.ValueKind == JsonValueKind.Array)
                ? TransactionParser.Verdict.Ok
                : TransactionParser.Verdict.BadJson;
        }
    }

    [Fact]
    public void EveryBodyGetsTheRightVerdictAndNoEventSliceLeavesIt()
    {
        var random = new Random(20261201);
        var seen = new HashSet<TransactionParser.Verdict>();
        var quarantined = 0;
        for (var i = 0; i < Cases; i++)
        {
            var body = Mutate(random);
            var result = TransactionParser.Parse("t", body);
            seen.Add(result.Verdict);
            quarantined += result.Events.Count(e => e.Problem is not null);

            result.Verdict.Should().Be(Expected(body), $"case {i}: {Encoding.UTF8.GetString(body)}");
            foreach (var e in result.Events)
            {
                (e.Start >= 0 && e.Start + e.Length <= body.Length).Should().BeTrue($"case {i}: the event lies in the body");
                if (e.Problem is null && e.ContentLength > 0)
                {
                    using var content = JsonDocument.Parse(body.AsMemory(e.ContentStart, e.ContentLength), TransactionParser.DocumentOptions);
                    content.RootElement.ValueKind.Should().Be(JsonValueKind.Object, $"case {i}: readable content is an object");
                }
            }

            TransactionParser.Parse("t", body).Key.Should().Be(result.Key, $"case {i}: the key depends on the body only");
        }

        seen.Should().BeEquivalentTo(Enum.GetValues<TransactionParser.Verdict>(), "the cases reach every verdict");
        quarantined.Should().BePositive("some cases break an event but not the transaction");
    }
}
