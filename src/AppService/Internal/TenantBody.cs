namespace OpenMeet.AppService.Internal;

public sealed record TenantBody(string? Name, string? Domain);
