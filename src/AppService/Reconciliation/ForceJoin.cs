namespace OpenMeet.AppService.Reconciliation;

public sealed record ForceJoin(string UserId) : RoomAction
{
    public override string Describe() => $"join {UserId} (admin API)";
}
