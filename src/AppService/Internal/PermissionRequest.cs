namespace OpenMeet.AppService.Internal;

public sealed record PermissionRequest(string? RoomId, string? UserSlug, int? PowerLevel, string? TenantId);
