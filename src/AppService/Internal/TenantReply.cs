namespace OpenMeet.AppService.Internal;

public sealed record TenantReply(string TenantId, string Name, string? Domain);
