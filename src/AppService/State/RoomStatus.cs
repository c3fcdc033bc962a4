namespace OpenMeet.AppService.State;

public enum RoomStatus
{
    Pending,
    Ready,
    Closed,
    Failed,
}
