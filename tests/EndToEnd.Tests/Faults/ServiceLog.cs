using System.Text.RegularExpressions;

namespace OpenMeet.EndToEnd.Tests.Faults;

/// <summary>
/// The service's log (<c>.dev/logs/appservice.log</c>, appended to across restarts): the event ids the
/// dispatcher handed to the features, from its Debug line "Dispatching event {EventId} ...".
/// </summary>
internal sealed partial class ServiceLog(string path)
{
    private readonly long start = new FileInfo(path).Length;

    /// <summary>How often each event id was dispatched since this object was made.</summary>
    public Dictionary<string, int> Dispatched()
    {
        using var log = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(start, SeekOrigin.Begin);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match m in DispatchLine().Matches(new StreamReader(log).ReadToEnd()))
        {
            var id = m.Groups[1].Value;
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        return counts;
    }

    [GeneratedRegex(@"Dispatching event (\$\S+) \(")]
    private static partial Regex DispatchLine();
}
