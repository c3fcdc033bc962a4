namespace OpenMeet.AppService.Configuration;

/// <summary>A configuration that cannot run; each problem names its key.</summary>
public sealed class ConfigException(IReadOnlyList<string> problems)
    : Exception("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
