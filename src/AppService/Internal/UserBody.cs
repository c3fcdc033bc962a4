namespace OpenMeet.AppService.Internal;

public sealed record UserBody(string? Name, string? Email, string? Handle, string? Password);
