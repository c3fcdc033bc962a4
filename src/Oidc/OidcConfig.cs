using Microsoft.Extensions.Configuration;

namespace OpenMeet.Oidc;

/// <summary>The issuer's configuration (the <c>oidc</c> section).</summary>
public sealed class OidcConfig
{
    /// <summary>The issuer URL, e.g. https://matrix.example.org/oidc; empty turns the issuer off.</summary>
    public string Issuer { get; set; } = "";
    public List<OidcClientConfig> Clients { get; set; } = [];
    /// <summary>Sign in with a password set through the internal API (development, or no OpenMeet login page).</summary>
    [ConfigurationKeyName("local_login")]
    public bool LocalLogin { get; set; }
    /// <summary>OpenMeet's login page: the issuer sends people there and takes back a signed assertion.</summary>
    [ConfigurationKeyName("openmeet_login_url")]
    public string OpenMeetLoginUrl { get; set; } = "";

    /// <summary>How long an authorization code may wait to be redeemed.</summary>
    [ConfigurationKeyName("code_lifetime_seconds")]
    public int CodeLifetimeSeconds { get; set; } = 120;

    public bool Enabled => Issuer.Length > 0;
}
