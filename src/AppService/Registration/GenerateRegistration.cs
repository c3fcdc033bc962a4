using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OpenMeet.AppService.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpenMeet.AppService.Registration;

/// <summary>
/// <c>generate-registration</c>: fills empty tokens in the config file (editing only those values, so
/// comments and layout survive) and writes Synapse's registration file from the same values.
/// </summary>
public static class GenerateRegistration
{
    private static readonly (string Section, string Key)[] TokenKeys =
        [("appservice", "as_token"), ("appservice", "hs_token"), ("internal", "token")];

    public static void Run(string configPath, string outputPath, string templatePath)
    {
        var text = File.ReadAllText(configPath);
        var filled = FillTokens(text);
        if (filled != text)
        {
            WriteAtomically(configPath, filled);
        }

        var config = ConfigLoader.Load(configPath);
        WriteAtomically(outputPath, Render(File.ReadAllText(templatePath), config));
    }

    public static string Render(string template, AppConfig c)
    {
        var values = new Dictionary<string, string>
        {
            ["id"] = Quote(c.Appservice.Id),
            ["url"] = Quote(c.Appservice.Url),
            ["as_token"] = Quote(c.Appservice.AsToken),
            ["hs_token"] = Quote(c.Appservice.HsToken),
            ["sender_localpart"] = Quote(c.Appservice.BotLocalpart),
            ["receive_ephemeral"] = c.Appservice.ReceiveEphemeral ? "true" : "false",
            ["user_regex"] = Quote(Namespaces.UserRegex(c)),
            ["alias_regex"] = Quote(Namespaces.AliasRegex(c)),
        };
        var result = new StringBuilder(template);
        foreach (var (key, value) in values)
        {
            result.Replace("{{" + key + "}}", value);
        }

        return result.ToString();
    }

    /// <summary>Replaces each empty token scalar in the YAML text with a fresh random token.</summary>
    public static string FillTokens(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ConfigException(["the file must be a YAML mapping of sections (homeserver:, appservice:, ...)"]);
        }

        var edits = new List<(int Start, int End, string Text)>();
        var missing = new List<string>();
        foreach (var (section, key) in TokenKeys)
        {
            var entry = root.Children.TryGetValue(section, out var s) && s is YamlMappingNode map
                ? map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key)
                : default;
            if (entry.Key is null)
            {
                missing.Add($"{section}.{key}: missing; add `{key}: \"\"` under `{section}:` to have it generated");
            }
            else if (entry.Value is YamlScalarNode { Value: "" or null or "~" } scalar)
            {
                var token = Quote(NewToken());
                if (scalar.Style == ScalarStyle.Plain && scalar.Value is "" or null)
                {
                    // `key:` with nothing after it: the empty scalar has no extent of its own.
                    var colon = yaml.IndexOf(':', (int)entry.Key.End.Index);
                    edits.Add((colon + 1, colon + 1, " " + token));
                }
                else
                {
                    edits.Add(((int)scalar.Start.Index, (int)scalar.End.Index, token));
                }
            }
        }

        if (missing.Count > 0)
        {
            throw new ConfigException(missing);
        }

        var result = new StringBuilder(yaml);
        foreach (var (start, end, replacement) in edits.OrderByDescending(e => e.Start))
        {
            result.Remove(start, end - start).Insert(start, replacement);
        }

        return result.ToString();
    }

    public static string NewToken() =>
        Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLower(CultureInfo.InvariantCulture);

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static void WriteAtomically(string path, string content)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        // Both files hold the tokens: owner only.
        File.WriteAllText(temporary, content);
        Storage.PrivateFiles.Restrict(temporary);
        File.Move(temporary, full, overwrite: true);
    }
}
