using OpenMeet.AppService.AdminBot;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.Transactions;
using Prometheus;

namespace OpenMeet.AppService.Status;

public static class StatusEndpoints
{
    public static IEndpointRouteBuilder MapStatus(this IEndpointRouteBuilder app, RouteGroupBuilder internalApi)
    {
        app.MapHealth();
        // GET only, as every other route here; the listener's resources keep it on 'metrics'.
        var registry = app.ServiceProvider.GetRequiredService<PrometheusExport>().Registry;
        app.MapMetrics(settings => settings.Registry = registry).WithMetadata(new HttpMethodMetadata(["GET"]));
        internalApi.MapGet("/status", (ServiceInfo info, Inbox inbox, PushMetrics push, Quarantine quarantine, HomeserverPing ping, RecentEvents recent, ManagementRoomEvents management, ReconcileJobs jobs) =>
            TypedResults.Json(Report(info, inbox, push, quarantine, ping, recent, management.RoomId, jobs), AppJsonContext.Default.StatusReport))
            .WithSummary("The service's status")
            .WithDescription("Version and uptime, the last ping of Synapse, the inbox of Synapse's transactions, recent events and reconcile jobs.")
            .Produces<StatusReport>();
        return app;
    }

    private static StatusReport Report(
        ServiceInfo info, Inbox inbox, PushMetrics s, Quarantine quarantine, HomeserverPing ping, RecentEvents recent, string? managementRoomId, ReconcileJobs jobs) => new(
        ServiceInfo.Version,
        info.StartedAt,
        Math.Round(info.Uptime.TotalSeconds, 3),
        ping.LastResult,
        s.LastPingFromSynapse,
        managementRoomId,
        new InboxReport(s.InboxPending, inbox.PendingBytes, s.TransactionsStored, s.TransactionsRepeated, s.EventsStored, s.EventsDispatched,
            s.Echoes, s.ConsumerErrors, s.EventsQuarantined, s.LastTxnId, s.LastTxnAt, quarantine.Latest(10)),
        recent.Snapshot(),
        [.. jobs.Latest(10).Select(j => j.Report())]);
}
