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

    /// <summary>
    /// How Synapse uses the issuer: <c>sso</c> (the default: an identity provider of Synapse's legacy
    /// SSO, <c>oidc_providers</c>) or <c>matrix_auth_service</c> (Synapse delegates all authentication
    /// to it, next-generation Matrix auth, and it provisions accounts and devices through <c>/_synapse/mas/</c>).
    /// </summary>
    public string Mode { get; set; } = SsoMode;

    [ConfigurationKeyName("matrix_auth_service")]
    public MatrixAuthServiceConfig MatrixAuthService { get; set; } = new();

    public const string SsoMode = "sso";
    public const string MatrixAuthServiceMode = "matrix_auth_service";

    public bool Enabled => Issuer.Length > 0;

    /// <summary>The issuer is Synapse's <c>matrix_authentication_service</c>.</summary>
    public bool IsAuthService => Enabled && Mode == MatrixAuthServiceMode;
}

/// <summary>The <c>oidc.matrix_auth_service</c> section: what Synapse's <c>matrix_authentication_service</c> shares with us.</summary>
public sealed class MatrixAuthServiceConfig
{
    /// <summary>Synapse's <c>matrix_authentication_service.secret</c>: Synapse introspects with it, we call <c>/_synapse/mas/</c> with it.</summary>
    public string Secret { get; set; } = "";

    /// <summary>
    /// The localpart that <c>homeserver.admin_token</c> is introspected as, with Synapse's admin scope
    /// (there is no admin login in this mode). Required when <c>homeserver.admin_token</c> is set.
    /// </summary>
    [ConfigurationKeyName("admin_user")]
    public string AdminUser { get; set; } = "";
}
