using Microsoft.Extensions.Configuration;

namespace OpenMeet.AppService.Configuration;

// The configuration schema, section by section as config.example.yaml has them: every class bound from
// YAML lives here; what has logic of its own (ListenerAddress, the loader, the validator) has its own file.

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
    public ShutdownConfig Shutdown { get; set; } = new();

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

/// <summary>Synapse's <c>jwt_config</c> (HS256): the same secret, issuer and audience on both sides.</summary>
public sealed class LoginJwtConfig
{
    public string Secret { get; set; } = "";
    public string Issuer { get; set; } = "openmeet-appservice";
    public string Audience { get; set; } = "synapse";
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
    /// <summary>Above what any Synapse sends: 100 events, each with its previous state and the
    /// stripped state of an invite, at 65,536 bytes apiece (see the README).</summary>
    [ConfigurationKeyName("max_transaction_bytes")]
    public int MaxTransactionBytes { get; set; } = 72 * 1024 * 1024;
    /// <summary>Stored but not yet dispatched: above it, Synapse is asked to retry (503).</summary>
    [ConfigurationKeyName("max_pending_bytes")]
    public long MaxPendingBytes { get; set; } = 256L * 1024 * 1024;
}

public sealed class InternalConfig
{
    public string Token { get; set; } = "";
}

public sealed class ListenerConfig
{
    public string Bind { get; set; } = "";
    public List<string> Resources { get; set; } = [];
    /// <summary>Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed on this listener.</summary>
    [ConfigurationKeyName("trusted_proxies")]
    public List<string> TrustedProxies { get; set; } = [];
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

public sealed class ReconcilerConfig
{
    /// <summary>Rooms reconciled at once (each room by one worker at a time).</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>Rooms whose observed state is kept in memory; the least recently used beyond it are read
    /// from Synapse again when next reconciled.</summary>
    [ConfigurationKeyName("cached_rooms")]
    public int CachedRooms { get; set; } = 2000;

    /// <summary><c>strict</c>: people in a room who are not its OpenMeet members are removed;
    /// <c>additive</c>: kept if they belong to the room's tenant.</summary>
    [ConfigurationKeyName("member_policy")]
    public string MemberPolicy { get; set; } = "strict";

    /// <summary>Join desired members directly through the Synapse admin API instead of inviting them.</summary>
    [ConfigurationKeyName("force_join")]
    public bool ForceJoin { get; set; }

    /// <summary>Encrypt new rooms, per kind.</summary>
    public EncryptionConfig Encryption { get; set; } = new();

    /// <summary>OpenMeet role → Matrix power level, per kind.</summary>
    [ConfigurationKeyName("power_levels")]
    public PowerLevelsConfig PowerLevels { get; set; } = new();
}

public sealed class EncryptionConfig
{
    public bool Event { get; set; }
    public bool Group { get; set; }
    public bool Dm { get; set; } = true;
}

public sealed class PowerLevelsConfig
{
    public Dictionary<string, int> Event { get; set; } = new(StringComparer.Ordinal)
    {
        ["host"] = 100, ["moderator"] = 50, ["speaker"] = 25, ["participant"] = 0, ["guest"] = 0,
    };

    public Dictionary<string, int> Group { get; set; } = new(StringComparer.Ordinal)
    {
        ["owner"] = 100, ["admin"] = 75, ["moderator"] = 50, ["member"] = 0, ["guest"] = 0,
    };
}

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

public sealed class HandlesConfig
{
    /// <summary>Handles nobody may claim, besides the built-in list and the bot's namespace.</summary>
    public List<string> Reserved { get; set; } = [];

    /// <summary>Beginnings nobody's handle may have, besides the built-in ones, the bot's localpart and the alias prefix.</summary>
    [ConfigurationKeyName("reserved_prefixes")]
    public List<string> ReservedPrefixes { get; set; } = [];
}

public sealed class LoggingConfig
{
    public string Level { get; set; } = "Information";
    public string Format { get; set; } = "text";

    /// <summary>Levels for some sources (a class's or a namespace's full name, e.g. the dispatcher's: Debug), as
    /// Serilog's minimum level overrides.</summary>
    public Dictionary<string, string> Overrides { get; set; } = new(StringComparer.Ordinal);
}

public sealed class ShutdownConfig
{
    /// <summary>How long a stop (SIGTERM) may take: requests in flight and background loops get this long
    /// to end, then the rest is abandoned. Below Docker's 10 s before it sends SIGKILL.</summary>
    [ConfigurationKeyName("timeout_seconds")]
    public int TimeoutSeconds { get; set; } = 8;
}
