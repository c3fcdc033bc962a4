using System.Collections.Immutable;

namespace OpenMeet.Oidc.Stores;

/// <summary>Conversions between OpenIddict's store API types and what the LiteDB documents hold.</summary>
internal static class DocumentValues
{
    /// <summary>Documents hold UTC; LiteDB hands dates back in local time unless the database was opened with UtcDate.</summary>
    public static DateTime? ToDocument(DateTimeOffset? date) => date?.UtcDateTime;

    public static DateTimeOffset? FromDocument(DateTime? date) =>
        date is { } value ? new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero) : null;

    public static List<string> ToDocument(ImmutableArray<string> values) => values.IsDefaultOrEmpty ? [] : [.. values];

    public static ImmutableArray<string> FromDocument(List<string>? values) => values is null ? [] : [.. values];

    /// <summary>
    /// LiteDB compares strings with the database collation, which ignores case by default; OpenIddict's
    /// identifiers are case-sensitive, so lookups re-check what the index returned.
    /// </summary>
    public static bool Same(string? stored, string? wanted) => string.Equals(stored, wanted, StringComparison.Ordinal);
}
