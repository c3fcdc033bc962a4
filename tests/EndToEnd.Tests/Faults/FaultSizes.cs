using System.Globalization;

namespace OpenMeet.EndToEnd.Tests.Faults;

/// <summary>How hard the fault tests push: the sizes by default, smaller in CI (tests/run.sh).</summary>
internal static class FaultSizes
{
    public static int Kills => Read("OPENMEET_FAULT_KILLS", 20);

    public static int OutageSeconds => Read("OPENMEET_FAULT_OUTAGE_SECONDS", 60);

    public static int Rooms => Read("OPENMEET_FAULT_ROOMS", 50);

    /// <summary>reconciler.parallelism: the dev stack keeps the default.</summary>
    public const int ReconcileWorkers = 4;

    private static int Read(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
