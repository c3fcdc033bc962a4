namespace OpenMeet.AppService.Internal;

public sealed record EntityBody(string? Name, string? Visibility, string? Topic);

public sealed record EntityReply(string TenantId, string EntityType, string EntitySlug, string Name, string Visibility, string? Topic, string Alias, bool Deleted);

public sealed record MemberBody(string? Role);

public sealed record MemberReply(string TenantId, string EntityType, string EntitySlug, string UserSlug, string Role);
