using System.Net;
using System.Text.RegularExpressions;

namespace OpenMeet.AppService.Configuration;

/// <summary>Checks a bound config; every problem starts with the key it is about.</summary>
public static partial class ConfigValidator
{
    public const int MaxTransactionBytesLimit = 256 * 1024 * 1024;

    public static readonly IReadOnlySet<string> KnownResources =
        new SortedSet<string>(StringComparer.Ordinal) { "appservice", "internal", "api", "oidc", "health", "metrics" };

    private static readonly string[] LogLevels = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];

    public static List<string> Validate(AppConfig c, bool requireTokens)
    {
        var p = new List<string>();

        AbsoluteHttpUrl(p, "homeserver.url", c.Homeserver.Url, "http://127.0.0.1:8008");
        if (!ServerName().IsMatch(c.Homeserver.ServerName))
        {
            p.Add($"homeserver.server_name: expected a Matrix server name such as 'matrix.example.org' (host, optional :port), got '{c.Homeserver.ServerName}'");
        }

        if (!AppserviceId().IsMatch(c.Appservice.Id))
        {
            p.Add($"appservice.id: expected letters, digits, '.', '_' or '-' (the registration id), got '{c.Appservice.Id}'");
        }

        AbsoluteHttpUrl(p, "appservice.url", c.Appservice.Url, "http://127.0.0.1:8009");
        if (!Localpart().IsMatch(c.Appservice.BotLocalpart))
        {
            p.Add($"appservice.bot_localpart: expected a lowercase Matrix localpart (a-z 0-9 . _ = - /), got '{c.Appservice.BotLocalpart}'");
        }

        if (!Localpart().IsMatch(c.Appservice.AliasPrefix))
        {
            p.Add($"appservice.alias_prefix: expected lowercase alias characters (a-z 0-9 . _ = - /), got '{c.Appservice.AliasPrefix}'");
        }

        if (requireTokens)
        {
            Token(p, "appservice.as_token", c.Appservice.AsToken);
            Token(p, "appservice.hs_token", c.Appservice.HsToken);
            Token(p, "internal.token", c.Internal.Token);
            if (c.Appservice.AsToken.Length > 0 && c.Appservice.AsToken == c.Appservice.HsToken)
            {
                p.Add("appservice.hs_token: must differ from appservice.as_token (Synapse and the service would be able to impersonate each other)");
            }
        }

        if (c.Appservice.MaxTransactionBytes is < 1024 or > MaxTransactionBytesLimit)
        {
            p.Add($"appservice.max_transaction_bytes: expected a number of bytes from 1024 to {MaxTransactionBytesLimit}, got {c.Appservice.MaxTransactionBytes}");
        }
        else if (c.Appservice.MaxPendingBytes < c.Appservice.MaxTransactionBytes)
        {
            p.Add($"appservice.max_pending_bytes: expected at least appservice.max_transaction_bytes ({c.Appservice.MaxTransactionBytes}), got {c.Appservice.MaxPendingBytes}");
        }

        Listeners(p, c.Listeners);

        if (string.IsNullOrWhiteSpace(c.Database.Path))
        {
            p.Add("database.path: required, the LiteDB file (e.g. ./data/openmeet.db)");
        }

        for (var i = 0; i < c.AdminBot.Admins.Count; i++)
        {
            if (!AdminEntry().IsMatch(c.AdminBot.Admins[i]))
            {
                p.Add($"admin_bot.admins[{i}]: expected a Matrix ID '@name:server' or a whole server ':server', got '{c.AdminBot.Admins[i]}'");
            }
        }

        if (c.AdminBot.ManagementRoom.Length > 0 && c.AdminBot.ManagementRoom[0] is not ('!' or '#'))
        {
            p.Add($"admin_bot.management_room: expected a room id '!…' or alias '#…:server', got '{c.AdminBot.ManagementRoom}'");
        }

        Reconciler(p, c.Reconciler);

        if (c.AdminBot.AuditDays is < 1 or > 3650)
        {
            p.Add($"admin_bot.audit_days: expected 1 to 3650 days, got {c.AdminBot.AuditDays}");
        }

        if (c.Homeserver.PublicUrl.Length > 0)
        {
            AbsoluteHttpUrl(p, "homeserver.public_url", c.Homeserver.PublicUrl, "https://matrix.example.org");
        }

        if (c.Homeserver.LoginJwt.Secret.Length is > 0 and < 32)
        {
            p.Add("homeserver.login_jwt.secret: expected at least 32 characters (it lets the holder sign anyone in)");
        }

        if (!AppserviceId().IsMatch(c.Homeserver.OidcIdpId))
        {
            p.Add($"homeserver.oidc_idp_id: expected letters, digits, '.', '_' or '-' (Synapse's idp_id), got '{c.Homeserver.OidcIdpId}'");
        }

        OpenMeetTokens(p, c.OpenMeet);
        Oidc(p, c.Oidc, c.Listeners);
        AuthService(p, c);

        if (!LogLevels.Contains(c.Logging.Level, StringComparer.OrdinalIgnoreCase))
        {
            p.Add($"logging.level: expected one of {string.Join(", ", LogLevels)}, got '{c.Logging.Level}'");
        }

        foreach (var (source, level) in c.Logging.Overrides)
        {
            if (!LogLevels.Contains(level, StringComparer.OrdinalIgnoreCase))
            {
                p.Add($"logging.overrides.{source}: expected one of {string.Join(", ", LogLevels)}, got '{level}'");
            }
        }

        if (c.Logging.Format is not ("text" or "json"))
        {
            p.Add($"logging.format: expected 'text' or 'json', got '{c.Logging.Format}'");
        }

        if (c.Shutdown.TimeoutSeconds is < 1 or > 300)
        {
            p.Add($"shutdown.timeout_seconds: expected 1 to 300 seconds, got {c.Shutdown.TimeoutSeconds}");
        }

        return p;
    }

    public static readonly IReadOnlyList<string> EventRoles = ["host", "moderator", "speaker", "participant", "guest"];
    public static readonly IReadOnlyList<string> GroupRoles = ["owner", "admin", "moderator", "member", "guest"];

    private static void Reconciler(List<string> p, ReconcilerConfig r)
    {
        if (r.Parallelism is < 1 or > 64)
        {
            p.Add($"reconciler.parallelism: expected 1 to 64 rooms at once, got {r.Parallelism}");
        }

        if (r.CachedRooms < 10)
        {
            p.Add($"reconciler.cached_rooms: expected at least 10 rooms, got {r.CachedRooms}");
        }

        if (r.MemberPolicy is not ("strict" or "additive"))
        {
            p.Add($"reconciler.member_policy: expected 'strict' or 'additive', got '{r.MemberPolicy}'");
        }

        foreach (var (kind, roles, levels) in new[] { ("event", EventRoles, r.PowerLevels.Event), ("group", GroupRoles, r.PowerLevels.Group) })
        {
            foreach (var (role, level) in levels)
            {
                if (!roles.Contains(role))
                {
                    p.Add($"reconciler.power_levels.{kind}.{role}: unknown {kind} role (known: {string.Join(", ", roles)})");
                }
                else if (level is < 0 or > 100)
                {
                    p.Add($"reconciler.power_levels.{kind}.{role}: expected a power level from 0 to 100, got {level}");
                }
            }
        }
    }

    private static void OpenMeetTokens(List<string> p, OpenMeetConfig o)
    {
        if (o.JwtSecret.Length == 0 && o.JwksUrl.Length == 0)
        {
            return;
        }

        if (o.JwtSecret.Length > 0 && o.JwksUrl.Length > 0)
        {
            p.Add("openmeet.jwks_url: set either openmeet.jwt_secret (HS256) or openmeet.jwks_url (RS256), not both");
        }
        else if (o.JwksUrl.Length > 0)
        {
            AbsoluteHttpUrl(p, "openmeet.jwks_url", o.JwksUrl, "https://api.openmeet.net/.well-known/jwks.json");
            HttpsOrLoopback(p, "openmeet.jwks_url", o.JwksUrl);
        }
        else if (o.JwtSecret.Length < 32)
        {
            p.Add("openmeet.jwt_secret: expected at least 32 characters for HS256");
        }

        if (o.JwtIssuer.Length == 0)
        {
            p.Add("openmeet.jwt_issuer: required when OpenMeet tokens are checked (the 'iss' they carry)");
        }

        if (o.JwtAudience.Length == 0)
        {
            p.Add("openmeet.jwt_audience: required when OpenMeet tokens are checked (the 'aud' they carry)");
        }
    }

    private static void AuthService(List<string> p, AppConfig c)
    {
        var o = c.Oidc;
        if (o.Mode is not (OpenMeet.Oidc.OidcConfig.SsoMode or OpenMeet.Oidc.OidcConfig.MatrixAuthServiceMode))
        {
            p.Add($"oidc.mode: expected sso or matrix_auth_service, got '{o.Mode}'");
            return;
        }

        if (o.Mode != OpenMeet.Oidc.OidcConfig.MatrixAuthServiceMode)
        {
            return;
        }

        if (!o.Enabled)
        {
            p.Add("oidc.mode: matrix_auth_service needs the issuer: set oidc.issuer");
        }

        if (o.MatrixAuthService.Secret.Length < 32)
        {
            p.Add("oidc.matrix_auth_service.secret: expected at least 32 characters, the same as Synapse's matrix_authentication_service.secret");
        }

        if (c.Homeserver.LoginJwt.Secret.Length > 0)
        {
            p.Add("homeserver.login_jwt.secret: must be empty in oidc.mode matrix_auth_service (Synapse refuses jwt_config then; the credential API's sessions come from the issuer)");
        }

        if (c.Homeserver.AdminToken.Length > 0 && !AppserviceId().IsMatch(o.MatrixAuthService.AdminUser))
        {
            p.Add("oidc.matrix_auth_service.admin_user: required with homeserver.admin_token in oidc.mode matrix_auth_service, the localpart of the admin the token stands for");
        }

        for (var i = 0; i < o.Clients.Count; i++)
        {
            if (o.Clients[i].BackchannelLogoutUri.Length > 0)
            {
                p.Add($"oidc.clients[{i}].backchannel_logout_uri: not used in oidc.mode matrix_auth_service (sessions end by their Synapse device); remove it");
            }
        }
    }

    private static void Oidc(List<string> p, OpenMeet.Oidc.OidcConfig o, List<ListenerConfig> listeners)
    {
        if (!o.Enabled)
        {
            return;
        }

        if (!Uri.TryCreate(o.Issuer, UriKind.Absolute, out var issuer) || issuer.Scheme is not ("http" or "https") || issuer.AbsolutePath.TrimEnd('/') != "/oidc")
        {
            p.Add($"oidc.issuer: expected an absolute http(s) URL ending in /oidc (the issuer's routes live there), got '{o.Issuer}'");
        }
        else
        {
            HttpsOrLoopback(p, "oidc.issuer", o.Issuer);
        }

        if (o.CodeLifetimeSeconds is < 5 or > 600)
        {
            p.Add($"oidc.code_lifetime_seconds: expected 5 to 600 seconds, got {o.CodeLifetimeSeconds}");
        }

        if (!listeners.Any(l => l.Resources.Contains("oidc")))
        {
            p.Add("oidc.issuer: is set, but no listener serves the 'oidc' resource");
        }

        if (o.OpenMeetLoginUrl.Length > 0)
        {
            AbsoluteHttpUrl(p, "oidc.openmeet_login_url", o.OpenMeetLoginUrl, "https://openmeet.net/matrix-login");
            HttpsOrLoopback(p, "oidc.openmeet_login_url", o.OpenMeetLoginUrl);
        }

        for (var i = 0; i < o.Clients.Count; i++)
        {
            var client = o.Clients[i];
            if (!AppserviceId().IsMatch(client.ClientId))
            {
                p.Add($"oidc.clients[{i}].client_id: expected letters, digits, '.', '_' or '-', got '{client.ClientId}'");
            }

            if (client.ClientSecret.Length < 16)
            {
                p.Add($"oidc.clients[{i}].client_secret: expected at least 16 characters");
            }

            if (client.RedirectUris.Count == 0)
            {
                p.Add($"oidc.clients[{i}].redirect_uris: at least one is required (Synapse: <public_baseurl>_synapse/client/oidc/callback)");
            }

            foreach (var (uri, j) in client.RedirectUris.Select((u, j) => (u, j)).Concat(client.PostLogoutRedirectUris.Select((u, j) => (u, j + 1000))))
            {
                var key = $"oidc.clients[{i}].{(j < 1000 ? "redirect_uris" : "post_logout_redirect_uris")}[{j % 1000}]";
                if (!Uri.TryCreate(uri, UriKind.Absolute, out _))
                {
                    p.Add($"{key}: expected an absolute URL, got '{uri}'");
                }
                else
                {
                    // Codes and logout tokens travel to these: https, or the machine itself.
                    HttpsOrLoopback(p, key, uri);
                }
            }

            if (client.BackchannelLogoutUri.Length > 0)
            {
                AbsoluteHttpUrl(p, $"oidc.clients[{i}].backchannel_logout_uri", client.BackchannelLogoutUri, "https://matrix.example.org/_synapse/client/oidc/backchannel_logout");
                HttpsOrLoopback(p, $"oidc.clients[{i}].backchannel_logout_uri", client.BackchannelLogoutUri);
            }
        }
    }

    private static void Listeners(List<string> p, List<ListenerConfig> listeners)
    {
        if (listeners.Count == 0)
        {
            p.Add("listeners: at least one listener is required, e.g. '- bind: 127.0.0.1:8009' with 'resources: [appservice, internal, health]'");
            return;
        }

        var binds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < listeners.Count; i++)
        {
            var l = listeners[i];
            if (!ListenerAddress.TryParse(l.Bind, out _))
            {
                p.Add($"listeners[{i}].bind: expected 'host:port' with an IP address, 'localhost' or '*' and a port 1-65535, got '{l.Bind}'");
            }
            else if (!binds.Add(l.Bind))
            {
                p.Add($"listeners[{i}].bind: '{l.Bind}' is bound by an earlier listener too");
            }

            if (l.Resources.Count == 0)
            {
                p.Add($"listeners[{i}].resources: expected at least one of {string.Join(", ", KnownResources)}");
            }

            foreach (var r in l.Resources.Where(r => !KnownResources.Contains(r)))
            {
                p.Add($"listeners[{i}].resources: unknown resource '{r}' (known: {string.Join(", ", KnownResources)})");
            }

            for (var j = 0; j < l.TrustedProxies.Count; j++)
            {
                if (!Hosting.TrustedProxies.TryParse(l.TrustedProxies[j], out _))
                {
                    p.Add($"listeners[{i}].trusted_proxies[{j}]: expected the address of a reverse proxy (10.0.0.5) or a network of them (10.0.0.0/8), got '{l.TrustedProxies[j]}'");
                }
            }
        }

        if (!listeners.Any(l => l.Resources.Contains("appservice")))
        {
            p.Add("listeners: no listener serves the 'appservice' resource, so Synapse could not reach the service");
        }
    }

    private static void AbsoluteHttpUrl(List<string> p, string key, string value, string example)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query))
        {
            p.Add($"{key}: expected an absolute http(s) URL such as {example}, got '{value}'");
        }
    }

    /// <summary>Sign-in and its keys travel over https; plain http only where nothing leaves the machine.</summary>
    private static void HttpsOrLoopback(List<string> p, string key, string value)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !OpenMeet.Oidc.Loopback.Is(uri))
        {
            p.Add($"{key}: expected an https URL (plain http only on loopback: 127.0.0.1, ::1, localhost), got '{value}'");
        }
    }

    private static void Token(List<string> p, string key, string value)
    {
        if (value.Length == 0)
        {
            p.Add($"{key}: must not be empty; run `generate-registration -c CONFIG -o registration.yaml` to fill it");
        }
        else if (value.Length < 16 || value.Any(char.IsWhiteSpace))
        {
            p.Add($"{key}: expected at least 16 characters without spaces (a random secret)");
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9.\-]+(:\d{1,5})?\z|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?\z")]
    private static partial Regex ServerName();

    [GeneratedRegex(@"^[A-Za-z0-9._\-]+\z")]
    private static partial Regex AppserviceId();

    [GeneratedRegex(@"^[a-z0-9._=\-/]+\z")]
    private static partial Regex Localpart();

    [GeneratedRegex(@"^(@[a-z0-9._=\-/+]+)?:[A-Za-z0-9.\-]+(:\d{1,5})?\z")]
    private static partial Regex AdminEntry();
}
