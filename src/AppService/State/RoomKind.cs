namespace OpenMeet.AppService.State;

/// <summary>What a managed room is for. Its name is the word used in routes, keys and aliases.</summary>
public enum RoomKind
{
    Event,
    Group,
    Space,
    Dm,
}
