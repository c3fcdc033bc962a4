namespace OpenMeet.AppService.Api;

public sealed record ClaimRequest(string? Handle);
