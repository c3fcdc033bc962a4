using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Hosting;

/// <summary>The one line an operator looks for at start: what runs, where it listens, which homeserver it
/// serves and how much it manages.</summary>
public static partial class StartupSummary
{
    public static void LogWhenStarted(WebApplication app, AppConfig config) => app.Lifetime.ApplicationStarted.Register(() =>
    {
        var store = app.Services.GetRequiredService<Store>();
        var listeners = string.Join("; ", config.Listeners.Select(l => $"{l.Bind} ({string.Join(", ", l.Resources)})"));
        var tenants = store.Tenants.Count();
        var rooms = store.Rooms.Count();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OpenMeet.AppService");
        Started(logger, ServiceInfo.Version, listeners,
            config.Homeserver.Url, config.Homeserver.ServerName, tenants, rooms);
    });

    [LoggerMessage(Level = LogLevel.Information,
        Message = "OpenMeet.AppService {Version} started: listening on {Listeners}; homeserver {HomeserverUrl} ({ServerName}); {Tenants} tenants, {Rooms} rooms managed")]
    private static partial void Started(ILogger logger, string version, string listeners, string homeserverUrl, string serverName, int tenants, int rooms);
}
