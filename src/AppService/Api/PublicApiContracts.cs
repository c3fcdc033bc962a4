namespace OpenMeet.AppService.Api;

public sealed record ClaimRequest(string? Handle);

/// <param name="TokenEndpoint">oidc.mode matrix_auth_service: refresh there (grant_type refresh_token, client_id <paramref name="ClientId"/>), not at Synapse.</param>
public sealed record CredentialsReply(string UserId, string AccessToken, string DeviceId, string HomeserverUrl, string? RefreshToken, long? ExpiresInMs,
    string? TokenEndpoint = null, string? ClientId = null);
