using System.Text.RegularExpressions;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace OpenMeet.AppService.Configuration;

public static partial class ConfigLoader
{
    public const string EnvironmentPrefix = "OPENMEET_";

    /// <summary>Reads, binds and validates a config file; throws <see cref="ConfigException"/> naming each bad key.</summary>
    public static AppConfig Load(string path, bool requireTokens = true)
    {
        var config = Bind(path);
        var problems = ConfigValidator.Validate(config, requireTokens);
        return problems.Count == 0 ? config : throw new ConfigException(problems);
    }

    internal static AppConfig Bind(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"cannot read the config file '{path}': {e.Message}"]);
        }

        var configuration = new ConfigurationBuilder()
            .Add(new YamlConfigurationSource(text))
            .AddInMemoryCollection(EnvironmentOverrides())
            .Build();
        var unknown = new List<string>();
        UnknownKeys(configuration.GetChildren(), typeof(AppConfig), unknown);
        if (unknown.Count > 0)
        {
            throw new ConfigException(unknown);
        }

        AppConfig config;
        try
        {
            config = configuration.Get<AppConfig>() ?? new AppConfig();
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigException([Describe(e)]);
        }

        config.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return config;
    }

    // OPENMEET_SECTION__KEY only: names without "__" (OPENMEET_JWT_SECRET, which synapse/dev.sh env
    // prints for OpenMeet's side) are not ours to read.
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentOverrides() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => (Name: (string)e.Key, Value: (string?)e.Value))
            .Where(e => e.Name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) && e.Name.Contains("__", StringComparison.Ordinal))
            .Select(e => new KeyValuePair<string, string?>(e.Name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), e.Value));

    // The binder says "Failed to convert configuration value 'x' at 'A:b' to type 'System.Int32'".
    private static string Describe(InvalidOperationException e)
    {
        var m = ConversionFailure().Match(e.Message);
        if (!m.Success)
        {
            return e.Message;
        }

        var expected = m.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Boolean" => "true or false",
            var other => other,
        };
        return $"{m.Groups["key"].Value.Replace(':', '.').ToLowerInvariant()}: expected {expected}, got '{m.Groups["value"].Value}'";
    }

    [GeneratedRegex("value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'")]
    private static partial Regex ConversionFailure();

    // The binder's own unknown-key check ignores [ConfigurationKeyName] on the root type, so check here:
    // a misspelt key is an error, not a silently ignored line.
    private static void UnknownKeys(IEnumerable<IConfigurationSection> sections, Type type, List<string> unknown)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            foreach (var item in sections)
            {
                UnknownKeys(item.GetChildren(), type.GetGenericArguments()[0], unknown);
            }

            return;
        }

        if (type == typeof(string) || type.IsPrimitive || type.IsEnum
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>)))
        {
            return;
        }

        var properties = type.GetProperties()
            .Where(p => p.SetMethod?.IsPublic == true)
            .ToDictionary(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var section in sections)
        {
            if (properties.TryGetValue(section.Key, out var property))
            {
                UnknownKeys(section.GetChildren(), property.PropertyType, unknown);
            }
            else
            {
                var known = string.Join(", ", properties.Keys.Select(k => k.ToLowerInvariant()));
                unknown.Add($"{section.Path.Replace(':', '.').ToLowerInvariant()}: unknown key (known here: {known})");
            }
        }
    }
}
