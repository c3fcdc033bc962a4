namespace OpenMeet.AppService.Configuration;

public sealed class HandlesConfig
{
    /// <summary>Handles nobody may claim, besides the built-in list and the bot's namespace.</summary>
    public List<string> Reserved { get; set; } = [];
}
