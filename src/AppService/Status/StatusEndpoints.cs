using System.Globalization;
using System.Reflection;
using System.Text;

namespace OpenMeet.AppService.Status;

public static class StatusEndpoints
{
    public static readonly string Version =
        typeof(StatusEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder app, RouteGroupBuilder internalApi)
    {
        app.MapGet("/health", () => TypedResults.Text("OK"));
        app.MapGet("/metrics", (ServiceStatus s) => TypedResults.Text(Metrics(s), "text/plain; version=0.0.4"));
        internalApi.MapGet("/status", (ServiceStatus s, RecentEvents recent, Commands.ManagementRoomEvents management) =>
            TypedResults.Json(Report(s, recent, management.RoomId), AppJsonContext.Default.StatusReport));
        return app;
    }

    public static StatusReport Report(ServiceStatus s, RecentEvents recent, string? managementRoomId) => new(
        Version,
        s.StartedAt,
        Math.Round(s.Uptime.TotalSeconds, 3),
        s.LastPingOfSynapse,
        s.LastPingFromSynapse,
        managementRoomId,
        new InboxReport(s.InboxPending, s.TransactionsStored, s.TransactionsRepeated, s.EventsStored, s.EventsDispatched,
            s.Echoes, s.ConsumerErrors, s.LastTxnId, s.LastTxnAt),
        recent.Snapshot());

    private static string Metrics(ServiceStatus s)
    {
        var text = new StringBuilder();
        void Metric(string name, string type, string help, double value)
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP openmeet_{name} {help}\n# TYPE openmeet_{name} {type}\nopenmeet_{name} {value}\n");
        }

        Metric("transactions_stored_total", "counter", "Transactions from Synapse stored in the inbox.", s.TransactionsStored);
        Metric("transactions_repeated_total", "counter", "Transactions whose txnId was stored before (no second effect).", s.TransactionsRepeated);
        Metric("events_stored_total", "counter", "Events stored in the inbox.", s.EventsStored);
        Metric("events_dispatched_total", "counter", "Events handed to the service's features.", s.EventsDispatched);
        Metric("echoes_total", "counter", "Dispatched events the bot itself sent.", s.Echoes);
        Metric("consumer_errors_total", "counter", "Events a feature failed to handle.", s.ConsumerErrors);
        Metric("inbox_pending", "gauge", "Stored transactions not yet dispatched.", s.InboxPending);
        Metric("uptime_seconds", "gauge", "Seconds since the service started.", Math.Round(s.Uptime.TotalSeconds, 3));
        return text.ToString();
    }
}
