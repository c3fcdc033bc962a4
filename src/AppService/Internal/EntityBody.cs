namespace OpenMeet.AppService.Internal;

public sealed record EntityBody(string? Name, string? Visibility, string? Topic);
