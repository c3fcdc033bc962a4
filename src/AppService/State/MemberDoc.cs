using LiteDB;

namespace OpenMeet.AppService.State;

/// <summary>An OpenMeet membership of a user in an event or group, with its role.</summary>
public sealed class MemberDoc
{
    /// <summary><c>roomKey#userSlug</c>.</summary>
    [BsonId]
    public string Id { get; set; } = "";
    public string RoomKey { get; set; } = "";
    /// <summary><c>tenant/userSlug</c>, to find a user's rooms.</summary>
    public string UserKey { get; set; } = "";
    public string UserSlug { get; set; } = "";
    public string Role { get; set; } = "";
    /// <summary>The person left the room on their own: not invited again until the membership changes.</summary>
    public bool OptedOut { get; set; }
    public DateTime UpdatedAt { get; set; }
}
