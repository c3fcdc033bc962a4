namespace OpenMeet.AppService.Internal;

public sealed record MemberReply(string TenantId, string EntityType, string EntitySlug, string UserSlug, string Role);
