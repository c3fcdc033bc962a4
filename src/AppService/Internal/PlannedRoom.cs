namespace OpenMeet.AppService.Internal;

public sealed record PlannedRoom(string Key, string? RoomId, IReadOnlyList<string> Actions, IReadOnlyList<string> Unfixable);
