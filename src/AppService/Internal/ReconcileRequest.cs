namespace OpenMeet.AppService.Internal;

public sealed record ReconcileRequest(string? TenantId, string? EntityType, string? EntitySlug, bool? DryRun);
