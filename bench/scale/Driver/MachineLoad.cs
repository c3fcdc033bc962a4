using System.Diagnostics;
using System.Globalization;

namespace OpenMeet.Bench.Scale.Driver;

/// <summary>
/// How much CPU everything but the service and this driver took over a phase, in % of all cores: a build
/// of someone else during a run makes its figures slower than the service is, and this says so.
/// </summary>
public sealed class MachineLoad
{
    private static readonly double ClockTicks = double.Parse(Environment.GetEnvironmentVariable("SCALE_CLK_TCK") ?? "100", CultureInfo.InvariantCulture);
    private static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8];
    private readonly double busy0 = BusySeconds();
    private readonly double own0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    private readonly Stopwatch clock = Stopwatch.StartNew();

    /// <param name="serviceCpu">CPU seconds the service used over the same phase.</param>
    public double OtherPercent(double serviceCpu)
    {
        var own = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - own0;
        var other = BusySeconds() - busy0 - own - serviceCpu;
        return Math.Max(0, other) / (clock.Elapsed.TotalSeconds * Environment.ProcessorCount) * 100;
    }

    public double DriverSeconds => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - own0;

    // user + nice + system + irq + softirq + steal of the "cpu" line of /proc/stat.
    private static double BusySeconds()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return BusyFields.Sum(i => long.Parse(f[i], CultureInfo.InvariantCulture)) / ClockTicks;
    }
}
