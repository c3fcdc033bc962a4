namespace OpenMeet.AppService.Reconciliation;

public sealed record RemoveAlias(string Alias) : RoomAction
{
    public override string Describe() => $"delete the alias {Alias}";
}
