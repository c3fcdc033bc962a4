using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.AdminBot;

/// <summary>Who may command the bot: configured Matrix IDs, or every user of a configured server (<c>:server</c>).</summary>
public sealed class Admins(AppConfig config)
{
    public bool Contains(string userId) => config.AdminBot.Admins.Any(a =>
        a.StartsWith(':') ? userId.EndsWith(a, StringComparison.Ordinal) && userId.IndexOf(':', StringComparison.Ordinal) == userId.Length - a.Length
        : a == userId);

    /// <summary>The admins that are people (to invite to the management room).</summary>
    public IEnumerable<string> People => config.AdminBot.Admins.Where(a => a.StartsWith('@'));
}
