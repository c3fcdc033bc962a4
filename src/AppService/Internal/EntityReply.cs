namespace OpenMeet.AppService.Internal;

public sealed record EntityReply(string TenantId, string EntityType, string EntitySlug, string Name, string Visibility, string? Topic, string Alias, bool Deleted);
