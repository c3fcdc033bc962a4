namespace OpenMeet.AppService.Reconciliation;

public sealed record Kick(string UserId, string Reason) : RoomAction
{
    public override string Describe() => $"remove {UserId}: {Reason}";
}
