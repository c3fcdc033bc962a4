using System.Text.RegularExpressions;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Registration;
using YamlDotNet.RepresentationModel;

namespace OpenMeet.AppService.Tests;

public sealed class RegistrationTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "om-reg-" + Guid.NewGuid().ToString("N"));

    public RegistrationTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private (string Config, string Registration) Generate()
    {
        var config = Path.Combine(folder, "config.yaml");
        if (!File.Exists(config))
        {
            File.Copy(Path.Combine(Repository.Root, "config.example.yaml"), config);
        }

        var registration = Path.Combine(folder, "registration.yaml");
        GenerateRegistration.Run(config, registration, Path.Combine(Repository.Root, "registration.yaml.template"));
        return (config, registration);
    }

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string Scalar(YamlNode node, params string[] path) =>
        ((YamlScalarNode)path.Aggregate(node, (n, key) => ((YamlMappingNode)n)[key])).Value!;

    [Fact]
    public void FillsEmptyTokensWithStrongRandomOnesAndKeepsTheRestOfTheFile()
    {
        var (config, registration) = Generate();

        var loaded = ConfigLoader.Load(config);
        var tokens = new[] { loaded.Appservice.AsToken, loaded.Appservice.HsToken, loaded.Internal.Token };
        tokens.Should().OnlyHaveUniqueItems().And.AllSatisfy(t => t.Should().MatchRegex("^[0-9a-f]{64}$"));
        var before = File.ReadAllLines(Path.Combine(Repository.Root, "config.example.yaml"));
        var after = File.ReadAllLines(config);
        after.Should().HaveSameCount(before);
        after.Where((line, i) => line != before[i]).Should().HaveCount(3, "only the three token lines change; comments stay");

        var reg = Load(registration);
        Scalar(reg, "as_token").Should().Be(loaded.Appservice.AsToken);
        Scalar(reg, "hs_token").Should().Be(loaded.Appservice.HsToken);
        Scalar(reg, "id").Should().Be("openmeet");
        Scalar(reg, "url").Should().Be("http://127.0.0.1:8009");
        Scalar(reg, "sender_localpart").Should().Be("openmeet-bot");
        Scalar(reg, "rate_limited").Should().Be("false");
        Scalar(reg, "receive_ephemeral").Should().Be("false");
    }

    [Fact]
    public void RunningTwiceKeepsTheTokens()
    {
        var (config, registration) = Generate();
        var first = File.ReadAllText(registration);
        var configText = File.ReadAllText(config);

        Generate();

        File.ReadAllText(registration).Should().Be(first);
        File.ReadAllText(config).Should().Be(configText);
    }

    [Fact]
    public void KeyWithNoValueAtAllIsFilled()
    {
        var yaml = "appservice:\n  as_token:\n  hs_token: ''\ninternal:\n  token: keep_this_token_0123456789\n";

        var filled = GenerateRegistration.FillTokens(yaml);

        filled.Should().MatchRegex("as_token: '[0-9a-f]{64}'\n  hs_token: '[0-9a-f]{64}'\ninternal:\n  token: keep_this_token_0123456789\n");
    }

    [Fact]
    public void MissingTokenKeyIsNamed()
    {
        var act = () => GenerateRegistration.FillTokens("appservice:\n  as_token: ''\n  hs_token: ''\n");
        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            "internal.token: missing; add `token: \"\"` under `internal:` to have it generated");
    }

    [Fact]
    public void NamespacesAreExclusiveAnchoredAndCoverTheBotOnly()
    {
        var (_, registration) = Generate();
        var reg = Load(registration);
        var users = (YamlSequenceNode)reg["namespaces"]["users"];
        var aliases = (YamlSequenceNode)reg["namespaces"]["aliases"];
        ((YamlSequenceNode)reg["namespaces"]["rooms"]).Children.Should().BeEmpty("no catch-all room namespace");
        users.Children.Should().ContainSingle();
        aliases.Children.Should().ContainSingle();
        Scalar(users[0], "exclusive").Should().Be("true");
        Scalar(aliases[0], "exclusive").Should().Be("true");

        var user = new Regex(Scalar(users[0], "regex"));
        user.ToString().Should().StartWith("^").And.EndWith("$");
        user.IsMatch("@openmeet-bot:openmeet.localhost").Should().BeTrue();
        user.IsMatch("@openmeet-bot2:openmeet.localhost").Should().BeFalse();
        user.IsMatch("@john.doe:openmeet.localhost").Should().BeFalse();
        user.IsMatch("@openmeet-bot:openmeetXlocalhost").Should().BeFalse("the dot is escaped");
        user.IsMatch("@openmeet-bot:openmeet.localhost.evil.org").Should().BeFalse();

        var alias = new Regex(Scalar(aliases[0], "regex"));
        alias.IsMatch("#openmeet_t1.event.summer-party:openmeet.localhost").Should().BeTrue();
        alias.IsMatch("#general:openmeet.localhost").Should().BeFalse();
        alias.IsMatch("#openmeet_x:other.server").Should().BeFalse();
        alias.IsMatch("#openmeet_x:openmeet.localhost:8448").Should().BeFalse();
    }

    [Fact]
    public void RegexMetacharactersInNamesAreEscaped()
    {
        var config = new AppConfig
        {
            Homeserver = { ServerName = "a.b" },
            Appservice = { BotLocalpart = "bot.x", AliasPrefix = "p." },
        };

        new Regex(Namespaces.UserRegex(config)).IsMatch("@botYx:a.b").Should().BeFalse();
        new Regex(Namespaces.AliasRegex(config)).IsMatch("#pXq:a.b").Should().BeFalse();
        new Regex(Namespaces.AliasRegex(config)).IsMatch("#p.q:a.b").Should().BeTrue();
    }
}
