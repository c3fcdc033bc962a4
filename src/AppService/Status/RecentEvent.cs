namespace OpenMeet.AppService.Status;

public sealed record RecentEvent(
    string TxnId, string? EventId, string? RoomId, string Type, string? StateKey, string? Sender, bool Echo, DateTimeOffset DispatchedAt);
