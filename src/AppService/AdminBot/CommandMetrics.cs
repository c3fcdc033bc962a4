using System.Diagnostics.Metrics;

namespace OpenMeet.AppService.AdminBot;

/// <summary>The management room's commands for /metrics: by command (one of the bot's, or 'unknown') and outcome.</summary>
public sealed class CommandMetrics(IMeterFactory meters)
{
    public const string MeterName = "OpenMeet.AppService.AdminBot";

    private readonly Counter<long> commands = meters.Create(MeterName).CreateCounter<long>("openmeet.bot.commands",
        description: "Admin bot commands by command and outcome (ok, failed: a bad line, a refusal, or an error).");

    public void Ran(string command, bool ok) =>
        commands.Add(1, new("command", command), new("outcome", ok ? "ok" : "failed"));
}
