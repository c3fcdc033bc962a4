namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// How one room stands, as <see cref="RoomReports"/> builds it: the JSON of the internal API's
/// <c>GET .../room</c> and the text of the admin bot's <c>room</c> command.
/// </summary>
public sealed record RoomReport(
    string? RoomId,
    string? Alias,
    string State,
    RoomView? Desired,
    RoomView? Actual,
    IReadOnlyList<string> Drift,
    DateTime? LastReconciledAt,
    string? LastError);

public sealed record RoomView(
    string? Name,
    string? Topic,
    string? Alias,
    string? JoinRule,
    bool Closed,
    IReadOnlyDictionary<string, int> PowerLevels,
    IReadOnlyDictionary<string, string> Members);
