namespace OpenMeet.AppService.Handles;

public enum ClaimStatus
{
    Claimed,
    AlreadyYours,
    Invalid,
    Taken,
    HasAnother,
}
