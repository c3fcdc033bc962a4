using System.Globalization;
using System.Text;

namespace OpenMeet.AppService.Handles;

/// <summary>
/// What makes a handle (a Matrix localpart people choose): the one set of rules for the API, the OIDC
/// handle picker and the admin bot. Pure: availability is the claims' business.
/// </summary>
public sealed class HandleRules
{
    public const int MinLength = 3;
    public const int MaxLength = 64;

    public static readonly IReadOnlyList<string> BuiltInReserved =
    [
        "admin", "administrator", "root", "matrix", "synapse", "openmeet", "support", "system", "moderator",
        "mod", "help", "info", "security", "abuse", "postmaster", "webmaster", "hostmaster", "noreply", "no-reply",
        "bot", "server", "notices", "everyone", "staff", "official", "operator", "null", "undefined",
    ];

    /// <summary>
    /// Beginnings that are the service's own or that people impersonate: <c>admin1</c>, <c>synapse-admin</c> and
    /// <c>openmeet_</c> are reserved as much as <c>admin</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> BuiltInReservedPrefixes =
    [
        "admin", "openmeet", "synapse", "matrix", "moderator", "operator", "official", "support", "security",
        "system", "postmaster", "webmaster", "hostmaster", "noreply", "no-reply",
    ];

    private readonly HashSet<string> reserved;
    private readonly string[] reservedPrefixes;

    public HandleRules(IEnumerable<string> reserved, string botLocalpart, IEnumerable<string>? reservedPrefixes = null)
    {
        this.reserved = new HashSet<string>(BuiltInReserved.Concat(reserved).Select(Fold), StringComparer.Ordinal) { botLocalpart };
        this.reservedPrefixes = [.. BuiltInReservedPrefixes.Concat(reservedPrefixes ?? []).Append(botLocalpart).Select(Fold).Where(p => p.Length > 0).Distinct()];
    }

    /// <summary>Handles are compared case-folded: <c>John.Doe</c> is <c>john.doe</c>.</summary>
    public static string Fold(string handle) => handle.Trim().ToLowerInvariant();

    /// <summary>Why a (folded) handle cannot be had, in words for a person; null when the rules allow it.</summary>
    public string? Problem(string handle)
    {
        if (handle.Length == 0)
        {
            return "Choose a handle: it becomes your Matrix ID.";
        }

        if (handle.Length < MinLength)
        {
            return $"A handle needs at least {MinLength} characters.";
        }

        if (handle.Length > MaxLength)
        {
            return $"A handle can have at most {MaxLength} characters.";
        }

        var bad = handle.FirstOrDefault(c => !IsAllowed(c));
        if (bad != default)
        {
            return $"'{(char.IsWhiteSpace(bad) ? "space" : bad.ToString())}' cannot be in a handle: use lowercase letters, digits and . _ = - only.";
        }

        if (handle[0] is '_' or '.' or '-')
        {
            return $"A handle cannot start with '{handle[0]}'.";
        }

        return reserved.Contains(handle) || reservedPrefixes.Any(p => handle.StartsWith(p, StringComparison.Ordinal)) ? $"'{handle}' is reserved." : null;
    }

    /// <summary>Handles to offer instead, in order of preference: from the wanted handle, then the person's name.</summary>
    public IEnumerable<string> Candidates(string? wanted, string? name)
    {
        var bases = new List<string>();
        if (wanted is not null && Sanitize(wanted) is { Length: > 0 } fromWanted)
        {
            bases.Add(fromWanted);
        }

        var words = (name ?? "").Split([' ', '\t', '-', '_', '.'], StringSplitOptions.RemoveEmptyEntries).Select(Sanitize).Where(w => w.Length > 0).ToList();
        if (words.Count >= 2)
        {
            bases.Add($"{words[0]}.{words[^1]}");
            bases.Add($"{words[0]}{words[^1]}");
            bases.Add($"{words[0][0]}.{words[^1]}");
        }
        else if (words.Count == 1)
        {
            bases.Add(words[0]);
        }

        // Round robin: each base as it is first, then each with a number, and so on.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var variants = bases.Select(b => Variants(b).ToList()).ToList();
        for (var k = 0; k < variants.Max(v => v.Count as int?).GetValueOrDefault(); k++)
        {
            foreach (var candidate in variants.Where(v => k < v.Count).Select(v => v[k]))
            {
                if (seen.Add(candidate) && Problem(candidate) is null)
                {
                    yield return candidate;
                }
            }
        }
    }

    private static IEnumerable<string> Variants(string b)
    {
        var stem = b.Length > MaxLength - 4 ? b[..(MaxLength - 4)] : b;
        yield return stem.Length >= MinLength ? stem : stem + "123"[..(MinLength - stem.Length)];
        for (var n = 1; n <= 9; n++)
        {
            yield return $"{stem}{n}";
        }

        for (var n = 10; n < 100; n += 7)
        {
            yield return $"{stem}.{n.ToString(CultureInfo.InvariantCulture)}";
        }
    }

    // Latin letters with accents, as their plain letters (the service runs with invariant
    // globalization, so Unicode normalization is not there to do it).
    private static readonly Dictionary<char, string> Plain = new[]
    {
        ("àáâãäåāăą", "a"), ("çćĉċč", "c"), ("ďđ", "d"), ("èéêëēĕėęě", "e"), ("ĝğġģ", "g"), ("ĥħ", "h"),
        ("ìíîïĩīĭįı", "i"), ("ĵ", "j"), ("ķ", "k"), ("ĺļľŀł", "l"), ("ñńņňŉ", "n"), ("òóôõöøōŏő", "o"),
        ("ŕŗř", "r"), ("śŝşšș", "s"), ("ţťŧț", "t"), ("ùúûüũūŭůűų", "u"), ("ŵ", "w"), ("ýÿŷ", "y"),
        ("źżž", "z"), ("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("þ", "th"),
    }.SelectMany(p => p.Item1.Select(c => (c, p.Item2))).ToDictionary(p => p.c, p => p.Item2);

    // Lowercase, accents dropped, anything else becomes '.', no leading or doubled separators.
    private static string Sanitize(string text)
    {
        var folded = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            foreach (var letter in Plain.TryGetValue(c, out var plain) ? plain : IsAllowed(c) ? c.ToString() : ".")
            {
                if (letter is '.' or '_' or '-' && (folded.Length == 0 || folded[^1] is '.' or '_' or '-'))
                {
                    continue;
                }

                folded.Append(letter);
            }
        }

        return folded.ToString().TrimEnd('.', '_', '-');
    }

    private static bool IsAllowed(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '=' or '-';
}
