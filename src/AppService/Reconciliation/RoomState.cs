namespace OpenMeet.AppService.Reconciliation;

/// <summary>Names of the state the reconciler writes that Matrix does not define.</summary>
public static class RoomState
{
    /// <summary>Marks a room whose OpenMeet entity was deleted.</summary>
    public const string ClosedType = "net.openmeet.room.closed";

    /// <summary>Where the cache keeps the sender of m.room.create (the creator), inside its content.</summary>
    public const string SenderKey = "__sender";
}
