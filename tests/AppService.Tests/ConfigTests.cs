using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Tests;

public sealed class ConfigTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "om-config-" + Guid.NewGuid().ToString("N"));

    public ConfigTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>A valid config without the issuer; other config tests start from it.</summary>
    internal const string Valid = """
        homeserver:
          url: http://127.0.0.1:8008
          server_name: matrix.example.org
        appservice:
          id: openmeet
          url: http://127.0.0.1:8009
          bot_localpart: openmeet-bot
          alias_prefix: openmeet_
          as_token: as_aaaaaaaaaaaaaaaaaaaaaaaa
          hs_token: hs_bbbbbbbbbbbbbbbbbbbbbbbb
        internal:
          token: in_cccccccccccccccccccccccc
        listeners:
          - bind: 127.0.0.1:8009
            resources: [appservice, internal, health]
        database:
          path: ./data/openmeet.db
        """;

    private string Write(string yaml)
    {
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private IReadOnlyList<string> Problems(string yaml)
    {
        var act = () => ConfigLoader.Load(Write(yaml));
        return act.Should().Throw<ConfigException>().Which.Problems;
    }

    [Fact]
    public void ValidConfigLoadsAndResolvesPathsAgainstItsFolder()
    {
        var config = ConfigLoader.Load(Write(Valid));

        config.BotUserId.Should().Be("@openmeet-bot:matrix.example.org");
        config.DatabasePath.Should().Be(Path.Combine(folder, "data", "openmeet.db"));
        config.Appservice.MaxTransactionBytes.Should().Be(72 * 1024 * 1024);
        config.Appservice.MaxPendingBytes.Should().Be(256L * 1024 * 1024);
    }

    [Fact]
    public void ShippedExampleIsValidApartFromTheTokensGenerateRegistrationFills()
    {
        var path = Path.Combine(Repository.Root, "config.example.yaml");

        ConfigLoader.Load(path, requireTokens: false).Listeners.Should().HaveCount(2);
        var act = () => ConfigLoader.Load(path);
        act.Should().Throw<ConfigException>().Which.Problems.Should().BeEquivalentTo(
            "appservice.as_token: must not be empty; run `generate-registration -c CONFIG -o registration.yaml` to fill it",
            "appservice.hs_token: must not be empty; run `generate-registration -c CONFIG -o registration.yaml` to fill it",
            "internal.token: must not be empty; run `generate-registration -c CONFIG -o registration.yaml` to fill it");
    }

    [Theory]
    [InlineData("url: http://127.0.0.1:8008", "url: not a url", "homeserver.url: expected an absolute http(s) URL")]
    [InlineData("url: http://127.0.0.1:8008", "url: /relative/path", "homeserver.url: expected an absolute http(s) URL")]
    [InlineData("url: http://127.0.0.1:8008", "url: ftp://example.org", "homeserver.url: expected an absolute http(s) URL")]
    [InlineData("server_name: matrix.example.org", "server_name: \"\"", "homeserver.server_name: expected a Matrix server name")]
    [InlineData("server_name: matrix.example.org", "server_name: bad name!", "homeserver.server_name: expected a Matrix server name")]
    [InlineData("url: http://127.0.0.1:8009", "url: 8009", "appservice.url: expected an absolute http(s) URL")]
    [InlineData("id: openmeet", "id: open meet", "appservice.id: expected letters, digits")]
    [InlineData("bot_localpart: openmeet-bot", "bot_localpart: OpenMeet", "appservice.bot_localpart: expected a lowercase Matrix localpart")]
    [InlineData("alias_prefix: openmeet_", "alias_prefix: \"\"", "appservice.alias_prefix: expected lowercase alias characters")]
    [InlineData("as_token: as_aaaaaaaaaaaaaaaaaaaaaaaa", "as_token: \"\"", "appservice.as_token: must not be empty; run `generate-registration")]
    [InlineData("hs_token: hs_bbbbbbbbbbbbbbbbbbbbbbbb", "hs_token: short", "appservice.hs_token: expected at least 16 characters")]
    [InlineData("hs_token: hs_bbbbbbbbbbbbbbbbbbbbbbbb", "hs_token: as_aaaaaaaaaaaaaaaaaaaaaaaa", "appservice.hs_token: must differ from appservice.as_token")]
    [InlineData("token: in_cccccccccccccccccccccccc", "token:", "internal.token: must not be empty")]
    [InlineData("bind: 127.0.0.1:8009", "bind: 127.0.0.1", "listeners[0].bind: expected 'host:port'")]
    [InlineData("bind: 127.0.0.1:8009", "bind: example.org:8009", "listeners[0].bind: expected 'host:port'")]
    [InlineData("bind: 127.0.0.1:8009", "bind: 127.0.0.1:70000", "listeners[0].bind: expected 'host:port'")]
    [InlineData("resources: [appservice, internal, health]", "resources: [appservice, internals]", "listeners[0].resources: unknown resource 'internals' (known: api, appservice, health, internal, metrics, oidc)")]
    [InlineData("resources: [appservice, internal, health]", "resources: [internal]", "listeners: no listener serves the 'appservice' resource")]
    [InlineData("path: ./data/openmeet.db", "path: \"\"", "database.path: required")]
    [InlineData("resources: [appservice, internal, health]", "resources: [appservice, internal, health]\n    trusted_proxies: [10.0.0.0/8, proxy.internal]",
        "listeners[0].trusted_proxies[1]: expected the address of a reverse proxy (10.0.0.5) or a network of them (10.0.0.0/8), got 'proxy.internal'")]
    [InlineData("resources: [appservice, internal, health]", "resources: [appservice, internal, health]\n    trusted_proxies: [10.0.0.0/33]",
        "listeners[0].trusted_proxies[0]: expected the address of a reverse proxy")]
    public void BadValueIsRefusedNamingTheKey(string good, string bad, string expected)
    {
        Valid.Should().Contain(good);
        Problems(Valid.Replace(good, bad, StringComparison.Ordinal)).Should().ContainSingle().Which.Should().StartWith(expected);
    }

    // Each of these lets its holder sign someone in: a short one is refused at start, naming the key.
    [Theory]
    [InlineData("homeserver:\n", "homeserver:\n  login_jwt:\n    secret: only-31-characters-long-0123456\n",
        "homeserver.login_jwt.secret: expected at least 32 characters")]
    [InlineData("database:\n", "openmeet:\n  jwt_issuer: https://api.openmeet.net\n  jwt_audience: matrix\n  jwt_secret: only-31-characters-long-0123456\ndatabase:\n",
        "openmeet.jwt_secret: expected at least 32 characters")]
    [InlineData("database:\n", "oidc:\n  issuer: http://127.0.0.1:8009/oidc\n  clients:\n    - client_id: synapse\n      client_secret: only-15-chars-x\n      redirect_uris: [\"http://127.0.0.1:8008/_synapse/client/oidc/callback\"]\ndatabase:\n",
        "oidc.clients[0].client_secret: expected at least 16 characters")]
    [InlineData("database:\n", "oidc:\n  issuer: http://127.0.0.1:8009/oidc\n  mode: matrix_auth_service\n  matrix_auth_service:\n    secret: only-31-characters-long-0123456\ndatabase:\n",
        "oidc.matrix_auth_service.secret: expected at least 32 characters")]
    public void ShortSecretsAreRefusedNamingTheKey(string at, string insert, string expected)
    {
        var yaml = Valid.Replace("resources: [appservice, internal, health]", "resources: [appservice, internal, health, oidc]", StringComparison.Ordinal);
        Problems(yaml.Replace(at, insert, StringComparison.Ordinal)).Should().ContainSingle().Which.Should().StartWith(expected);
    }

    // oidc.mode matrix_auth_service: what Synapse refuses in that mode is refused here first, by key.
    [Theory]
    [InlineData("  mode: oauth\n", "oidc.mode: expected sso or matrix_auth_service, got 'oauth'")]
    [InlineData("  mode: matrix_auth_service\n  matrix_auth_service:\n    secret: mas-secret-0123456789abcdef0123456789\n    admin_user: operator\nhomeserver:\n  login_jwt:\n    secret: login-jwt-secret-0123456789abcdef0123\n",
        "homeserver.login_jwt.secret: must be empty in oidc.mode matrix_auth_service")]
    [InlineData("  mode: matrix_auth_service\n  matrix_auth_service:\n    secret: mas-secret-0123456789abcdef0123456789\nhomeserver:\n  admin_token: admin-token-0123456789abcdef\n",
        "oidc.matrix_auth_service.admin_user: required with homeserver.admin_token")]
    public void TheAuthServiceModeIsCheckedNamingTheKey(string oidcLines, string expected)
    {
        var yaml = Valid.Replace("resources: [appservice, internal, health]", "resources: [appservice, internal, health, oidc]", StringComparison.Ordinal)
            .Replace("database:\n", "oidc:\n  issuer: http://127.0.0.1:8009/oidc\n" + oidcLines + "database:\n", StringComparison.Ordinal);
        // The extra homeserver keys go into the one homeserver section.
        var lines = yaml.Split('\n').ToList();
        var extra = lines.FindIndex(l => l == "homeserver:" ) is var first && lines.FindLastIndex(l => l == "homeserver:") is var last && last > first ? last : -1;
        if (extra > 0)
        {
            var moved = lines.Skip(extra + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
            lines.RemoveRange(extra, moved.Count + 1);
            lines.InsertRange(first + 1, moved);
        }

        Problems(string.Join('\n', lines)).Should().ContainSingle().Which.Should().StartWith(expected);
    }

    [Theory]
    [InlineData("logging:\n  level: Chatty\n", "logging.level: expected one of Verbose, Debug, Information, Warning, Error, Fatal, got 'Chatty'")]
    [InlineData("logging:\n  format: xml\n", "logging.format: expected 'text' or 'json', got 'xml'")]
    [InlineData("admin_bot:\n  admins: [alice]\n", "admin_bot.admins[0]: expected a Matrix ID '@name:server' or a whole server ':server', got 'alice'")]
    [InlineData("admin_bot:\n  management_room: general\n", "admin_bot.management_room: expected a room id '!…' or alias '#…:server', got 'general'")]
    [InlineData("homserver:\n  url: x\n", "homserver: unknown key (known here: homeserver, appservice, internal, listeners, database, admin_bot, reconciler, openmeet, handles, oidc, logging, shutdown)")]
    [InlineData("database:\n  fsnyc: true\n", "database.fsnyc: unknown key (known here: path, fsync)")]
    [InlineData("shutdown:\n  timeout_seconds: 0\n", "shutdown.timeout_seconds: expected 1 to 300 seconds, got 0")]
    [InlineData("shutdown:\n  timeout_seconds: 3600\n", "shutdown.timeout_seconds: expected 1 to 300 seconds, got 3600")]
    [InlineData("shutdown:\n  timeout_seconds: soon\n", "shutdown.timeout_seconds: expected a whole number, got 'soon'")]
    public void ExtraSectionProblemsNameTheKey(string extra, string expected)
    {
        var yaml = Valid.Replace("database:\n  path: ./data/openmeet.db", "", StringComparison.Ordinal) + "\n" + extra;
        if (!extra.StartsWith("database", StringComparison.Ordinal))
        {
            yaml += "database:\n  path: ./data/openmeet.db\n";
        }
        else
        {
            yaml = yaml.Replace("database:\n", "database:\n  path: ./data/openmeet.db\n", StringComparison.Ordinal);
        }

        Problems(yaml).Should().ContainSingle().Which.Should().Be(expected);
    }

    [Fact]
    public void ListenerWithoutResourcesIsRefused()
    {
        Problems(Valid.Replace("resources: [appservice, internal, health]", "resources: []", StringComparison.Ordinal)).Should().Equal(
            "listeners[0].resources: expected at least one of api, appservice, health, internal, metrics, oidc",
            "listeners: no listener serves the 'appservice' resource, so Synapse could not reach the service");
    }

    [Theory]
    [InlineData("max_transaction_bytes: lots", "appservice.max_transaction_bytes: expected a whole number, got 'lots'")]
    [InlineData("receive_ephemeral: maybe", "appservice.receive_ephemeral: expected true or false, got 'maybe'")]
    public void AValueOfTheWrongTypeNamesItsKey(string line, string expected)
    {
        Problems(Valid.Replace("  alias_prefix: openmeet_", "  alias_prefix: openmeet_\n  " + line, StringComparison.Ordinal))
            .Should().Equal(expected);
    }

    [Fact]
    public void TransactionLimitIsBounded()
    {
        Problems(Valid.Replace("  alias_prefix: openmeet_", "  alias_prefix: openmeet_\n  max_transaction_bytes: 999999999", StringComparison.Ordinal))
            .Should().ContainSingle().Which.Should().StartWith("appservice.max_transaction_bytes: expected a number of bytes from 1024 to 268435456");
    }

    [Fact]
    public void BrokenYamlSaysWhere()
    {
        Problems("homeserver:\n  url: [unclosed\n").Should().ContainSingle().Which.Should().StartWith("the file is not valid YAML (line");
    }

    [Fact]
    public void MissingFileSaysSo()
    {
        var act = () => ConfigLoader.Load(Path.Combine(folder, "absent.yaml"));
        act.Should().Throw<ConfigException>().Which.Problems.Should().ContainSingle().Which.Should().StartWith("cannot read the config file");
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        Problems("homeserver:\n  url: nope\n").Should().Contain(p => p.StartsWith("homeserver.url:", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("appservice.as_token:", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("listeners:", StringComparison.Ordinal))
            .And.Contain(p => p.StartsWith("database.path:", StringComparison.Ordinal));
    }
}
