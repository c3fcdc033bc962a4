namespace OpenMeet.AppService.Internal;

public sealed record RoomView(
    string? Name,
    string? Topic,
    string? Alias,
    string? JoinRule,
    bool Closed,
    IReadOnlyDictionary<string, int> PowerLevels,
    IReadOnlyDictionary<string, string> Members);
