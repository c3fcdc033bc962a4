namespace OpenMeet.AppService.Handles;

public sealed record ClaimOutcome(ClaimStatus Status, string Handle, string? Reason);
