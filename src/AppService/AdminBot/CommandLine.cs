using System.Text;

namespace OpenMeet.AppService.AdminBot;

/// <summary>A command as typed: its name, positional arguments and <c>--flags</c> (<c>--name</c> or <c>--name=value</c>).</summary>
public sealed record CommandLine(string Name, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string?> Flags)
{
    public const string Prefix = "!om";

    /// <summary>
    /// The command in a message of the management room: after <c>!om</c>, or the whole message when
    /// it starts with a known command's name (bare commands). Null for chatter.
    /// </summary>
    public static string? Extract(string body, IEnumerable<string> knownNames)
    {
        var text = body.Trim();
        if (text.Equals(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return "help";
        }

        if (text.StartsWith(Prefix + " ", StringComparison.OrdinalIgnoreCase))
        {
            return text[(Prefix.Length + 1)..].Trim();
        }

        var first = text.Split(' ', 2)[0].ToLowerInvariant();
        return knownNames.Contains(first, StringComparer.Ordinal) ? text : null;
    }

    /// <summary>Splits like a shell: spaces separate, "double" or 'single' quotes group, \ escapes.</summary>
    public static CommandLine Parse(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
                inWord = true;
            }
            else if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (quote is not null)
        {
            throw new CommandException($"a {quote} quote is not closed");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        if (words.Count == 0)
        {
            return new CommandLine("help", [], new Dictionary<string, string?>());
        }

        // --name or --name=value
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var flag in words.Skip(1).Where(w => w.StartsWith("--", StringComparison.Ordinal)))
        {
            var parts = flag[2..].Split('=', 2);
            flags[parts[0].ToLowerInvariant()] = parts.Length == 2 ? parts[1] : null;
        }

        var args = words.Skip(1).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
        return new CommandLine(words[0].ToLowerInvariant(), args, flags);
    }
}
