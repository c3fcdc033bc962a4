using Microsoft.Extensions.Configuration;

namespace OpenMeet.Oidc;

/// <summary>A relying party (Synapse) as configured: seeded into the application store at start.</summary>
public sealed class OidcClientConfig
{
    [ConfigurationKeyName("client_id")]
    public string ClientId { get; set; } = "";
    [ConfigurationKeyName("client_secret")]
    public string ClientSecret { get; set; } = "";
    [ConfigurationKeyName("redirect_uris")]
    public List<string> RedirectUris { get; set; } = [];
    [ConfigurationKeyName("post_logout_redirect_uris")]
    public List<string> PostLogoutRedirectUris { get; set; } = [];
    /// <summary>Where logout tokens are posted (Synapse: /_synapse/client/oidc/backchannel_logout).</summary>
    [ConfigurationKeyName("backchannel_logout_uri")]
    public string BackchannelLogoutUri { get; set; } = "";
}
