using System.Diagnostics.Metrics;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>The reconciler's instruments for /metrics: its queue, and the rooms that keep failing.</summary>
public sealed class ReconcileMetrics
{
    public const string MeterName = "OpenMeet.AppService.Reconciliation";

    public ReconcileMetrics(IMeterFactory meters, Store store, ReconcileBacklog backlog)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("openmeet.reconcile.queue", () => backlog.Depth, description: "Rooms and accounts waiting to be reconciled.");
        meter.CreateObservableGauge("openmeet.rooms.failing", () => store.Rooms.Count(r => r.Status == RoomStatus.Failed),
            description: "Managed rooms whose last reconcile failed (see their lastError); retried with backoff.");
    }
}
