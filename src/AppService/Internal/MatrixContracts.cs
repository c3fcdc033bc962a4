namespace OpenMeet.AppService.Internal;

public sealed record RoomRequest(string? EntityType, string? EntitySlug, string? CreatorSlug, string? TenantId);

public sealed record RoomReply(string RoomId, string? Alias);

public sealed record PermissionRequest(string? RoomId, string? UserSlug, int? PowerLevel, string? TenantId);

public sealed record PermissionReply(string RoomId, string UserSlug, int? PowerLevel);

public sealed record DmRequest(string? TenantId, List<string>? UserSlugs);

public sealed record ReconcileRequest(string? TenantId, string? EntityType, string? EntitySlug, bool? DryRun);

public sealed record ReconcileReply(bool DryRun, int Rooms, int Actions, IReadOnlyList<PlannedRoom> Plan);

/// <summary>A reconcile of a tenant or of everything: the job's progress (<c>GET /internal/reconcile/{jobId}</c>).</summary>

public sealed record PlannedRoom(string Key, string? RoomId, IReadOnlyList<string> Actions, IReadOnlyList<string> Unfixable);
