using System.Text.RegularExpressions;

namespace OpenMeet.AppService.State;

/// <summary>Tenant ids, slugs and the keys built from them.</summary>
public static partial class Names
{
    /// <summary>A tenant id or slug: URL-safe, 1 to 100 characters, starting with a letter or digit.</summary>
    public static bool IsValid(string? value) => value is not null && Slug().IsMatch(value);

    public static string Word(RoomKind kind) => kind switch
    {
        RoomKind.Event => "event",
        RoomKind.Group => "group",
        RoomKind.Space => "space",
        _ => "dm",
    };

    /// <summary>The route segment (<c>events</c>, <c>groups</c>) for an entity kind.</summary>
    public static RoomKind? EntityKind(string word) => word switch
    {
        "events" or "event" => RoomKind.Event,
        "groups" or "group" => RoomKind.Group,
        _ => null,
    };

    public static string EntityKey(string tenantId, RoomKind kind, string slug) => $"{tenantId}/{Word(kind)}/{slug}";

    public static string SpaceKey(string tenantId) => $"{tenantId}/space";

    public static string DmKey(string tenantId, string a, string b) =>
        string.CompareOrdinal(a, b) <= 0 ? $"{tenantId}/dm/{a}/{b}" : $"{tenantId}/dm/{b}/{a}";

    public static string UserKey(string tenantId, string slug) => $"{tenantId}/{slug}";

    public static string MemberKey(string roomKey, string userSlug) => $"{roomKey}#{userSlug}";

    // \z, not $: $ also matches before a final newline, which would let "ann\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}\z")]
    private static partial Regex Slug();
}
