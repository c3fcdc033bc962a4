namespace OpenMeet.AppService.Configuration;

public sealed class PowerLevelsConfig
{
    public Dictionary<string, int> Event { get; set; } = new(StringComparer.Ordinal)
    {
        ["host"] = 100, ["moderator"] = 50, ["speaker"] = 25, ["participant"] = 0, ["guest"] = 0,
    };

    public Dictionary<string, int> Group { get; set; } = new(StringComparer.Ordinal)
    {
        ["owner"] = 100, ["admin"] = 75, ["moderator"] = 50, ["member"] = 0, ["guest"] = 0,
    };
}
