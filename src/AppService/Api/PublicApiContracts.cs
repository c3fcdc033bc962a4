namespace OpenMeet.AppService.Api;

public sealed record ClaimRequest(string? Handle);

public sealed record CredentialsReply(string UserId, string AccessToken, string DeviceId, string HomeserverUrl, string? RefreshToken, long? ExpiresInMs);
