using System.Text.Json.Serialization;

namespace OpenMeet.AppService.Matrix;

/// <summary>Synapse's answer to <c>GET /_synapse/mas/query_user</c>.</summary>
public sealed record MasUser(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("avatar_url")] string? AvatarUrl,
    [property: JsonPropertyName("is_suspended")] bool IsSuspended,
    [property: JsonPropertyName("is_deactivated")] bool IsDeactivated);
