using System.Text.Json.Nodes;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>One change the reconciler makes to a room: what the planner returns and the executor applies.</summary>
public abstract record RoomAction
{
    public abstract string Describe();
}

/// <summary>Only in previews: the room does not exist yet and the reconcile would create it.</summary>
public sealed record CreateRoom(string Key) : RoomAction
{
    public override string Describe() => $"create the room for {Key}";
}

public sealed record SetState(string Type, string StateKey, JsonObject Content, string Why) : RoomAction
{
    public override string Describe() => StateKey.Length == 0 ? $"set {Type}: {Why}" : $"set {Type} [{StateKey}]: {Why}";
}

public sealed record JoinBot(string UserId) : RoomAction
{
    public override string Describe() => $"rejoin the bot {UserId}";
}

public sealed record Invite(string UserId) : RoomAction
{
    public override string Describe() => $"invite {UserId}";
}

public sealed record ForceJoin(string UserId) : RoomAction
{
    public override string Describe() => $"join {UserId} (admin API)";
}

public sealed record Kick(string UserId, string Reason) : RoomAction
{
    public override string Describe() => $"remove {UserId}: {Reason}";
}

public sealed record RemoveAlias(string Alias) : RoomAction
{
    public override string Describe() => $"delete the alias {Alias}";
}
