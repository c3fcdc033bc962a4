namespace OpenMeet.AppService.Internal;

public sealed record UserReply(string TenantId, string UserSlug, string Name, string? Handle, string? UserId, bool Revoked);
