using System.Diagnostics.Metrics;

namespace OpenMeet.AppService.Handles;

/// <summary>Handle checks for /metrics (the public API's, the sign-in's, the bot's), by outcome.</summary>
public sealed class HandleMetrics
{
    public const string MeterName = "OpenMeet.AppService.Handles";
    private static readonly string[] Outcomes = ["available", "taken", "invalid"];
    private readonly Counter<long> checks;

    public HandleMetrics(IMeterFactory meters)
    {
        checks = meters.Create(MeterName).CreateCounter<long>("openmeet.handles.checks",
            description: "Handle checks by outcome: available, taken (by someone, blocked, or an account on the server), invalid (the rules).");
        foreach (var outcome in Outcomes)
        {
            checks.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void Checked(string outcome) => checks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
