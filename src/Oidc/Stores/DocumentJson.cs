using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace OpenMeet.Oidc.Stores;

/// <summary>
/// The dictionary-shaped values (properties, settings, localized names) are stored as JSON strings: property
/// values are arbitrary JSON, and setting names such as <c>tkn_lft:act</c> do not make good LiteDB field names.
/// </summary>
internal static class DocumentJson
{
    public static string? WriteProperties(ImmutableDictionary<string, JsonElement> properties) =>
        properties is { Count: > 0 } ? JsonSerializer.Serialize(properties) : null;

    public static ImmutableDictionary<string, JsonElement> ReadProperties(string? json) =>
        string.IsNullOrEmpty(json)
            ? ImmutableDictionary<string, JsonElement>.Empty
            : (JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json) ?? []).ToImmutableDictionary(StringComparer.Ordinal);

    public static string? WriteStrings(ImmutableDictionary<string, string> values) =>
        values is { Count: > 0 } ? JsonSerializer.Serialize(values) : null;

    public static ImmutableDictionary<string, string> ReadStrings(string? json) =>
        string.IsNullOrEmpty(json)
            ? ImmutableDictionary<string, string>.Empty
            : (JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []).ToImmutableDictionary(StringComparer.Ordinal);

    public static string? WriteLocalized(ImmutableDictionary<CultureInfo, string> values) =>
        values is { Count: > 0 } ? WriteStrings(values.ToImmutableDictionary(pair => pair.Key.Name, pair => pair.Value)) : null;

    public static ImmutableDictionary<CultureInfo, string> ReadLocalized(string? json) =>
        ReadStrings(json).ToImmutableDictionary(pair => CultureInfo.GetCultureInfo(pair.Key), pair => pair.Value);
}
