namespace OpenMeet.AppService.Internal;

public sealed record ReconcileReply(bool DryRun, int Rooms, int Actions, IReadOnlyList<PlannedRoom> Plan);
