using LiteDB;

namespace OpenMeet.AppService.State;

/// <summary>An explicit power level for a user in a room, winning over the role mapping until cleared.</summary>
public sealed class OverrideDoc
{
    /// <summary><c>roomKey#userSlug</c>.</summary>
    [BsonId]
    public string Id { get; set; } = "";
    public string RoomKey { get; set; } = "";
    public string UserSlug { get; set; } = "";
    public int PowerLevel { get; set; }
    public DateTime UpdatedAt { get; set; }
}
