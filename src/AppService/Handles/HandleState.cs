namespace OpenMeet.AppService.Handles;

public enum HandleState
{
    Claimed,
    Released,
    Blocked,
}
