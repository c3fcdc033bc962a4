namespace OpenMeet.AppService.Internal;

public sealed record DmRequest(string? TenantId, List<string>? UserSlugs);
