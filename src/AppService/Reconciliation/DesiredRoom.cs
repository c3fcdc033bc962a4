using System.Collections.Immutable;
using System.Text.Json.Nodes;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>What OpenMeet wants a room to be, in Matrix terms: everything the planner needs, no I/O.</summary>
public sealed record DesiredRoom
{
    public required string BotUserId { get; init; }
    public required string ServerName { get; init; }
    public required string TenantId { get; init; }
    public required RoomKind Kind { get; init; }
    /// <summary>The room's name; null leaves it alone (DMs).</summary>
    public string? Name { get; init; }
    public string? Topic { get; init; }
    /// <summary>The managed alias (entity rooms), removed when the room is closed.</summary>
    public string? Alias { get; init; }
    public bool Closed { get; init; }
    /// <summary>The tenant's space: the parent of entity rooms and what public ones are open to.</summary>
    public string? SpaceRoomId { get; init; }
    public bool Public { get; init; }
    /// <summary>Who should be in the room (Matrix ID → power level).</summary>
    public ImmutableDictionary<string, int> Members { get; init; } = ImmutableDictionary<string, int>.Empty;
    /// <summary>Members who left on their own: kept if they come back, not invited again.</summary>
    public ImmutableHashSet<string> NoInvite { get; init; } = [];
    /// <summary>The tenant of each Matrix ID the service knows (OpenMeet users with an account).</summary>
    public ImmutableDictionary<string, string> TenantOf { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>Other tenants whose people may be in this tenant's rooms.</summary>
    public ImmutableHashSet<string> AllowedTenants { get; init; } = [];
    /// <summary>Strict: people who are not desired members are removed. Additive: kept if of an allowed tenant.</summary>
    public bool Strict { get; init; } = true;
    public bool ForceJoin { get; init; }
    /// <summary>For a space: the rooms that should be its children.</summary>
    public ImmutableHashSet<string> SpaceChildren { get; init; } = [];

    /// <summary>Who should be in the room now: nobody once it is closed.</summary>
    public ImmutableDictionary<string, int> EffectiveMembers => Closed ? ImmutableDictionary<string, int>.Empty : Members;

    public JsonObject JoinRules => Kind == RoomKind.Space || Closed || !Public || SpaceRoomId is null
        ? new JsonObject { ["join_rule"] = "invite" }
        : new JsonObject
        {
            ["join_rule"] = "restricted",
            ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = SpaceRoomId }),
        };
}
