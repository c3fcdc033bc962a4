using Microsoft.Extensions.Configuration;

namespace OpenMeet.AppService.Configuration;

/// <summary>How OpenMeet's own tokens (the public API's bearer) are checked.</summary>
public sealed class OpenMeetConfig
{
    [ConfigurationKeyName("jwt_issuer")]
    public string JwtIssuer { get; set; } = "";
    [ConfigurationKeyName("jwt_audience")]
    public string JwtAudience { get; set; } = "";
    /// <summary>HS256 shared secret (development); or leave empty and set <see cref="JwksUrl"/> (RS256).</summary>
    [ConfigurationKeyName("jwt_secret")]
    public string JwtSecret { get; set; } = "";
    [ConfigurationKeyName("jwks_url")]
    public string JwksUrl { get; set; } = "";
}
