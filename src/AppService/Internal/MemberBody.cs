namespace OpenMeet.AppService.Internal;

public sealed record MemberBody(string? Role);
