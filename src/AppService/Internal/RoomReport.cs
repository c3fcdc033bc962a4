namespace OpenMeet.AppService.Internal;

public sealed record RoomReport(
    string? RoomId,
    string? Alias,
    string State,
    RoomView? Desired,
    RoomView? Actual,
    IReadOnlyList<string> Drift,
    DateTime? LastReconciledAt,
    string? LastError);
