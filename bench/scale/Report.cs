using System.Globalization;
using OpenMeet.Bench.Scale.Driver;

namespace OpenMeet.Bench.Scale;

/// <summary>The run's figures: printed as they come, and saved at the end.</summary>
public sealed class Report
{
    private readonly List<string> lines = [];

    public void Line(string text)
    {
        lines.Add(text);
        Console.WriteLine($"  | {text}");
    }

    public void Requests(string title, IReadOnlyDictionary<string, long> counts)
    {
        Line($"{title}: {counts.Values.Sum():N0}");
        foreach (var (endpoint, n) in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"    {n,9:N0}  {endpoint}"));
        }
    }

    public void Memory(string when, ServiceProcess service)
    {
        var (rss, peak) = service.Memory();
        var (data, log) = service.DatabaseSize();
        Line($"{when}: RSS {rss:F0} MiB, peak RSS (VmHWM) {peak:F0} MiB; LiteDB {data:F1} MiB + log {log:F1} MiB");
    }

    public void Save(string path) => File.WriteAllLines(path, lines);
}
