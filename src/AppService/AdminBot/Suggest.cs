namespace OpenMeet.AppService.AdminBot;

/// <summary>The closest known word to a mistyped one (edit distance), for "did you mean".</summary>
public static class Suggest
{
    public static string? Closest(string typed, IEnumerable<string> known) =>
        known.Select(k => (Word: k, Distance: Distance(typed, k)))
            .Where(k => k.Distance <= Math.Max(2, typed.Length / 3) || k.Word.StartsWith(typed, StringComparison.Ordinal))
            .OrderBy(k => k.Distance).ThenBy(k => k.Word, StringComparer.Ordinal)
            .Select(k => k.Word).FirstOrDefault();

    public static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
