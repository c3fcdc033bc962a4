using System.Text.Json.Nodes;

namespace OpenMeet.AppService.Reconciliation;

public sealed record SetState(string Type, string StateKey, JsonObject Content, string Why) : RoomAction
{
    public override string Describe() => StateKey.Length == 0 ? $"set {Type}: {Why}" : $"set {Type} [{StateKey}]: {Why}";
}
