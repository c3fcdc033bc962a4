namespace OpenMeet.AppService.Internal;

public sealed record PermissionReply(string RoomId, string UserSlug, int? PowerLevel);
