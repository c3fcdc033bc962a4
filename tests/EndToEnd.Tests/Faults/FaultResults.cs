namespace OpenMeet.EndToEnd.Tests.Faults;

/// <summary>
/// The figures of a fault test, one "key: value" line each, in <c>.dev/fault-results/NAME.txt</c>
/// (tests/faults.sh prints them; docs/faults.md quotes them). Written before the assertions, so a
/// failing run leaves its figures too.
/// </summary>
internal sealed class FaultResults(string name)
{
    private readonly List<string> lines = [$"test: {name}", $"date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"];

    public void Add(string key, object value)
    {
        lines.Add($"{key}: {value}");
        Write();
    }

    private void Write()
    {
        var folder = Path.Combine(Repository.Root, ".dev", "fault-results");
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, name + ".txt"), lines);
    }
}
