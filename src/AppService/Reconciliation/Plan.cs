namespace OpenMeet.AppService.Reconciliation;

/// <summary>The actions that make a room what it should be, and the differences no action of ours can fix.</summary>
public sealed record Plan(IReadOnlyList<RoomAction> Actions, IReadOnlyList<string> Unfixable)
{
    public bool IsEmpty => Actions.Count == 0;
}
