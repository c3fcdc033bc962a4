using System.Text;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// The event types counted by name on /metrics. Types come from anyone who can send to a room, so
/// only these are named and every other is 'other': the label cannot grow with what people send.
/// </summary>
public static class EventTypes
{
    public const string Other = "other";

    public static readonly IReadOnlyList<string> Known =
    [
        "m.room.create", "m.room.member", "m.room.power_levels", "m.room.join_rules", "m.room.history_visibility",
        "m.room.guest_access", "m.room.name", "m.room.topic", "m.room.avatar", "m.room.canonical_alias",
        "m.room.encryption", "m.room.server_acl", "m.room.tombstone", "m.room.pinned_events", "m.space.child",
        "m.space.parent", "m.room.message", "m.room.encrypted", "m.reaction", "m.room.redaction", "m.sticker",
    ];

    private static readonly byte[][] KnownBytes = [.. Known.Select(Encoding.UTF8.GetBytes)];

    /// <summary>The label of an event's type as it stands in <paramref name="body"/> (an escaped one is 'other').</summary>
    public static string Label(JsonText type, ReadOnlySpan<byte> body)
    {
        if (type.Length < 2 || type.Escaped)
        {
            return Other;
        }

        var raw = type.Raw(body);
        for (var i = 0; i < KnownBytes.Length; i++)
        {
            if (raw.SequenceEqual(KnownBytes[i]))
            {
                return Known[i];
            }
        }

        return Other;
    }
}
