using System.Text.RegularExpressions;

namespace OpenMeet.AppService.Matrix;

/// <summary>
/// The route template of a path the client asks Synapse for, so that /metrics counts calls by
/// endpoint and never by room, person or alias: ids become <c>{roomId}</c>, <c>{userId}</c>, ... A
/// path none of these matches is <c>other</c>, so the label has at most this many values.
/// </summary>
public static partial class SynapseEndpoints
{
    private const string Segment = "[^/?]+";

    private static readonly (Regex Path, string Template)[] Templates =
    [
        .. new[]
        {
            "/_matrix/client/versions",
            "/_matrix/client/v1/appservice/{appserviceId}/ping",
            "/_matrix/client/v3/register",
            "/_matrix/client/v3/login",
            "/_matrix/client/v3/account/whoami",
            "/_matrix/client/v3/profile/{userId}/displayname",
            "/_matrix/client/v3/createRoom",
            "/_matrix/client/v3/join/{roomIdOrAlias}",
            "/_matrix/client/v3/directory/room/{roomAlias}",
            "/_matrix/client/v3/rooms/{roomId}/state",
            "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}",
            "/_matrix/client/v3/rooms/{roomId}/state/{eventType}",
            "/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}",
            "/_matrix/client/v3/rooms/{roomId}/invite",
            "/_matrix/client/v3/rooms/{roomId}/kick",
            "/_matrix/client/v3/rooms/{roomId}/leave",
            "/_synapse/admin/v2/users/{userId}",
            "/_synapse/admin/v2/users/{userId}/devices",
            "/_synapse/admin/v2/users/{userId}/delete_devices",
            "/_synapse/admin/v1/join/{roomIdOrAlias}",
            "/_synapse/admin/v1/rooms/{roomId}",
            "/_synapse/mas/query_user",
            "/_synapse/mas/provision_user",
            "/_synapse/mas/is_localpart_available",
            "/_synapse/mas/delete_user",
            "/_synapse/mas/reactivate_user",
            "/_synapse/mas/upsert_device",
            "/_synapse/mas/delete_device",
            "/_synapse/mas/update_device_display_name",
            "/_synapse/mas/sync_devices",
            "/_synapse/mas/allow_cross_signing_reset",
        }.Select(t => (Pattern(t), t)),
    ];

    // A state key may be empty (".../state/m.room.name/"); every other placeholder is one segment.
    private static Regex Pattern(string template) => new(
        "^" + Placeholder().Replace(Regex.Escape(template).Replace(@"\{", "{", StringComparison.Ordinal), m => m.Value == "{stateKey}" ? "[^?]*" : Segment) + @"(\?|$)",
        RegexOptions.CultureInvariant);

    /// <summary>The template of a request's path (relative or absolute, behind a path prefix or not, with a query or not), or <c>other</c>.</summary>
    public static string Template(string path)
    {
        var start = path.IndexOf("/_matrix/", StringComparison.Ordinal) is var m and >= 0 ? m : path.IndexOf("/_synapse/", StringComparison.Ordinal);
        path = start >= 0 ? path[start..] : "/" + path;
        foreach (var (pattern, template) in Templates)
        {
            if (pattern.IsMatch(path))
            {
                return template;
            }
        }

        return "other";
    }

    [GeneratedRegex(@"\{[a-zA-Z]+\}")]
    private static partial Regex Placeholder();
}
