namespace OpenMeet.AppService.Internal;

public sealed record RoomRequest(string? EntityType, string? EntitySlug, string? CreatorSlug, string? TenantId);
