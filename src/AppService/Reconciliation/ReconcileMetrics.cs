using System.Diagnostics.Metrics;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>The reconciler's instruments for /metrics: its queue, the rooms that keep failing, and how each reconcile went.</summary>
public sealed class ReconcileMetrics
{
    public const string MeterName = "OpenMeet.AppService.Reconciliation";
    private readonly Histogram<double> reconciles;

    public ReconcileMetrics(IMeterFactory meters, Store store, ReconcileBacklog backlog)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("openmeet.reconcile.queue", () => backlog.Depth, description: "Rooms and accounts waiting to be reconciled.");
        meter.CreateObservableGauge("openmeet.rooms.failing", () => store.Rooms.Count(r => r.Status == RoomStatus.Failed),
            description: "Managed rooms whose last reconcile failed (see their lastError); retried with backoff.");
        reconciles = meter.CreateHistogram<double>("openmeet.reconcile.duration", unit: "s",
            description: "Reconciles by kind (room, account) and outcome (ok; waiting: needs another key first; failed: retried with backoff).");
    }

    public void Reconciled(ReconcileKind kind, string outcome, TimeSpan took) =>
        reconciles.Record(took.TotalSeconds,
            new KeyValuePair<string, object?>("kind", kind == ReconcileKind.Room ? "room" : "account"),
            new KeyValuePair<string, object?>("outcome", outcome));
}
