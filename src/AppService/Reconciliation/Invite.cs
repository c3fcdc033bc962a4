namespace OpenMeet.AppService.Reconciliation;

public sealed record Invite(string UserId) : RoomAction
{
    public override string Describe() => $"invite {UserId}";
}
