using LiteDB;

namespace OpenMeet.AppService.Handles;

/// <summary>
/// A handle that is not free: claimed by a person, released (still theirs to nobody else), or blocked
/// by an operator. Its id is the folded handle, so two claims of one handle cannot both be inserted.
/// </summary>
public sealed class HandleDoc
{
    [BsonId]
    public string Id { get; set; } = "";
    /// <summary>The user (<c>tenant/slug</c>) it was claimed by; null for an operator's block.</summary>
    public string? UserKey { get; set; }
    /// <summary>Unique: the user key while the claim is active, else <c>~handle</c>: one active handle per person.</summary>
    public string ActiveKey { get; set; } = "";
    public HandleState State { get; set; }
    public DateTime At { get; set; }
}
