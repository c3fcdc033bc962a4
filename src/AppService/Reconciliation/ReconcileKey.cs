namespace OpenMeet.AppService.Reconciliation;

public enum ReconcileKind
{
    Room,
    Account,
}

/// <summary>
/// What the backlog holds and a worker reconciles: a managed room (by its room key) or a person's
/// Matrix account (by their user key). One key is handled by one worker at a time.
/// </summary>
public readonly record struct ReconcileKey(ReconcileKind Kind, string Id)
{
    public static ReconcileKey Room(string roomKey) => new(ReconcileKind.Room, roomKey);

    public static ReconcileKey Account(string userKey) => new(ReconcileKind.Account, userKey);

    public override string ToString() => Kind == ReconcileKind.Room ? Id : $"account {Id}";
}
