using System.Text.RegularExpressions;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Registration;

/// <summary>The registration's namespaces: anchored, with every literal part escaped.</summary>
public static class Namespaces
{
    public static string UserRegex(AppConfig c) =>
        $"^@{Regex.Escape(c.Appservice.BotLocalpart)}:{Regex.Escape(c.Homeserver.ServerName)}$";

    public static string AliasRegex(AppConfig c) =>
        $"^#{Regex.Escape(c.Appservice.AliasPrefix)}[^:]+:{Regex.Escape(c.Homeserver.ServerName)}$";
}
