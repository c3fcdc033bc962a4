using Microsoft.Extensions.Configuration;

namespace OpenMeet.AppService.Configuration;

/// <summary>The whole service configuration, bound from the YAML file and OPENMEET_* variables.</summary>
public sealed class AppConfig
{
    public HomeserverConfig Homeserver { get; set; } = new();
    public AppserviceConfig Appservice { get; set; } = new();
    public InternalConfig Internal { get; set; } = new();
    public List<ListenerConfig> Listeners { get; set; } = [];
    public DatabaseConfig Database { get; set; } = new();
    [ConfigurationKeyName("admin_bot")]
    public AdminBotConfig AdminBot { get; set; } = new();
    public ReconcilerConfig Reconciler { get; set; } = new();
    public OpenMeetConfig OpenMeet { get; set; } = new();
    public HandlesConfig Handles { get; set; } = new();
    public Oidc.OidcConfig Oidc { get; set; } = new();
    public LoggingConfig Logging { get; set; } = new();

    /// <summary>The folder of the config file: relative paths in it are resolved against it.</summary>
    public string BaseDirectory { get; internal set; } = ".";

    public string BotUserId => $"@{Appservice.BotLocalpart}:{Homeserver.ServerName}";

    public string DatabasePath => Path.GetFullPath(Database.Path, BaseDirectory);

    /// <summary>The data folder (the database's): the issuer's keys and the cookie keys live here too.</summary>
    public string DataDirectory => Path.GetDirectoryName(DatabasePath)!;
}

public sealed class HomeserverConfig
{
    public string Url { get; set; } = "";
    [ConfigurationKeyName("server_name")]
    public string ServerName { get; set; } = "";
    [ConfigurationKeyName("admin_token")]
    public string AdminToken { get; set; } = "";
    /// <summary>The homeserver URL as people's clients reach it (the credential API hands it out).</summary>
    [ConfigurationKeyName("public_url")]
    public string PublicUrl { get; set; } = "";
    /// <summary>Synapse's <c>jwt_config</c>: how the credential API starts a session with a device for a person.</summary>
    [ConfigurationKeyName("login_jwt")]
    public LoginJwtConfig LoginJwt { get; set; } = new();
    /// <summary>The idp_id of our provider in Synapse's oidc_providers; accounts are linked to <c>oidc-{idp_id}</c>.</summary>
    [ConfigurationKeyName("oidc_idp_id")]
    public string OidcIdpId { get; set; } = "openmeet";
}

public sealed class AppserviceConfig
{
    public string Id { get; set; } = "";
    public string Url { get; set; } = "";
    [ConfigurationKeyName("bot_localpart")]
    public string BotLocalpart { get; set; } = "";
    [ConfigurationKeyName("bot_displayname")]
    public string BotDisplayname { get; set; } = "";
    [ConfigurationKeyName("alias_prefix")]
    public string AliasPrefix { get; set; } = "";
    [ConfigurationKeyName("as_token")]
    public string AsToken { get; set; } = "";
    [ConfigurationKeyName("hs_token")]
    public string HsToken { get; set; } = "";
    [ConfigurationKeyName("receive_ephemeral")]
    public bool ReceiveEphemeral { get; set; }
    [ConfigurationKeyName("max_transaction_bytes")]
    public int MaxTransactionBytes { get; set; } = 10 * 1024 * 1024;
}

public sealed class InternalConfig
{
    public string Token { get; set; } = "";
}

public sealed class ListenerConfig
{
    public string Bind { get; set; } = "";
    public List<string> Resources { get; set; } = [];
}

public sealed class DatabaseConfig
{
    public string Path { get; set; } = "";
    public bool Fsync { get; set; } = true;
}

public sealed class AdminBotConfig
{
    public List<string> Admins { get; set; } = [];
    [ConfigurationKeyName("management_room")]
    public string ManagementRoom { get; set; } = "";
    /// <summary>How long the audit trail is kept.</summary>
    [ConfigurationKeyName("audit_days")]
    public int AuditDays { get; set; } = 90;
}

public sealed class LoggingConfig
{
    public string Level { get; set; } = "Information";
    public string Format { get; set; } = "text";
}
