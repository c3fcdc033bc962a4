namespace OpenMeet.AppService.Reconciliation;

/// <summary>Only in previews: the room does not exist yet and the reconcile would create it.</summary>
public sealed record CreateRoom(string Key) : RoomAction
{
    public override string Describe() => $"create the room for {Key}";
}
