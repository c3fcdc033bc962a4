using System.Text;
using OpenMeet.AppService.AdminBot;

namespace OpenMeet.AppService.Tests.AdminBot;

/// <summary>The command parser over seeded random input (OPENMEET_COMMAND_CASES for a longer run).</summary>
public sealed class CommandLinePropertyTests
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_COMMAND_CASES"), out var n) ? n : 5000;
    private const string Alphabet = "ab Z9-_./#!@:= \t\"'\\éß漢🙂";

    private static string RandomText(Random r, int max)
    {
        var text = new StringBuilder();
        for (var i = r.Next(max); i > 0; i--)
        {
            text.Append(Alphabet[r.Next(Alphabet.Length)]);
            if (char.IsHighSurrogate(text[^1]))
            {
                text.Append(Alphabet[Alphabet.IndexOf(text[^1], StringComparison.Ordinal) + 1]);
            }
        }

        return text.ToString();
    }

    [Fact]
    public void AnyTextParsesOrIsRefusedWithAReason()
    {
        var random = new Random(1201);
        for (var i = 0; i < Cases; i++)
        {
            var text = RandomText(random, 40);
            try
            {
                var line = CommandLine.Parse(text);
                line.Name.Should().Be(line.Name.ToLowerInvariant(), $"case {i}: {text}");
            }
            catch (CommandException e)
            {
                e.Message.Should().Contain("quote is not closed", $"case {i}: {text}");
            }
        }
    }

    // Quoting each word (escaping " and \) and parsing gives the words back.
    [Fact]
    public void QuotedWordsComeBackAsTheyWere()
    {
        var random = new Random(2026);
        for (var i = 0; i < Cases; i++)
        {
            var words = Enumerable.Range(0, random.Next(1, 6)).Select(_ => RandomText(random, 12)).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            if (words.Count == 0)
            {
                continue;
            }

            var text = string.Join(" ", words.Select(w => "\"" + w.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
            var line = CommandLine.Parse(text);

            line.Name.Should().Be(words[0].ToLowerInvariant(), $"case {i}: {text}");
            line.Args.Should().Equal(words.Skip(1), $"case {i}: {text}");
        }
    }
}
