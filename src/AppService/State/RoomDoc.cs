using LiteDB;

namespace OpenMeet.AppService.State;

/// <summary>A managed room: what OpenMeet wants of it and where it stands in Matrix.</summary>
public sealed class RoomDoc
{
    /// <summary>The room key: <c>tenant/event/slug</c>, <c>tenant/group/slug</c>, <c>tenant/space</c> or <c>tenant/dm/a/b</c>.</summary>
    [BsonId]
    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public RoomKind Kind { get; set; }
    /// <summary>The entity's slug; empty for spaces and DMs.</summary>
    public string Slug { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Topic { get; set; }
    public bool Public { get; set; }
    /// <summary>The two user slugs of a DM.</summary>
    public List<string> DmUsers { get; set; } = [];
    /// <summary>OpenMeet deleted the entity: the room is to be closed.</summary>
    public bool Deleted { get; set; }
    public string? RoomId { get; set; }
    /// <summary>An admin asked for a new room (the bot cannot enter this one): made at the next turn.</summary>
    public bool ReplaceRequested { get; set; }
    public RoomStatus Status { get; set; }
    public DateTime? LastReconciledAt { get; set; }
    public string? LastError { get; set; }
    /// <summary>
    /// The digest of the desired room (<c>RoomFingerprint</c>) when a reconcile last left nothing to do;
    /// null once anything may differ (a failure, a change by someone else in the room).
    /// </summary>
    public string? Converged { get; set; }
    public DateTime UpdatedAt { get; set; }
}
