using System.Diagnostics;
using System.Globalization;

namespace OpenMeet.Bench.Scale.Driver;

/// <summary>
/// With SCALE_PROFILE=1: the service's managed heap by type (dotnet-gcdump, installed with
/// `dotnet tool install -g dotnet-gcdump`), to see what the resident memory is made of. The dump forces a
/// full collection, so it runs after the memory figures are taken.
/// </summary>
public static class HeapProfile
{
    public static bool Wanted => Environment.GetEnvironmentVariable("SCALE_PROFILE") == "1";

    public static IEnumerable<string> Take(int pid, string workDir, string name)
    {
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-gcdump");
        if (!File.Exists(tool))
        {
            return [$"(no {tool}: dotnet tool install -g dotnet-gcdump)"];
        }

        var dump = Path.Combine(workDir, $"{name}.gcdump");
        Run(tool, "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", dump);
        return Run(tool, "report", dump).Split('\n').Where(l => l.Trim().Length > 0).Take(22);
    }

    private static string Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(TimeSpan.FromMinutes(5));
        return output;
    }
}
