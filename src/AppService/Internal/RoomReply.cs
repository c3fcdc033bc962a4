namespace OpenMeet.AppService.Internal;

public sealed record RoomReply(string RoomId, string? Alias);
