using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Status;

/// <summary>The answer of <c>GET /internal/status</c>.</summary>
public sealed record StatusReport(
    string Version,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    HomeserverPingResult? Homeserver,
    DateTimeOffset? LastPingFromSynapse,
    string? ManagementRoomId,
    InboxReport Inbox,
    IReadOnlyList<RecentEvent> RecentEvents,
    IReadOnlyList<OpenMeet.AppService.Reconciliation.ReconcileJobReport> ReconcileJobs);
