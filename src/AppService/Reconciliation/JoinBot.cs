namespace OpenMeet.AppService.Reconciliation;

public sealed record JoinBot(string UserId) : RoomAction
{
    public override string Describe() => $"rejoin the bot {UserId}";
}
