namespace OpenMeet.AppService.Reconciliation;

/// <summary>One change the reconciler makes to a room.</summary>
public abstract record RoomAction
{
    public abstract string Describe();
}
