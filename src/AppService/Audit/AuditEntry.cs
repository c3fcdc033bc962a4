using LiteDB;

namespace OpenMeet.AppService.Audit;

/// <summary>One action taken on someone's behalf: who, what, on what, when, and how it ended.</summary>
public sealed class AuditEntry
{
    public ObjectId Id { get; set; } = ObjectId.NewObjectId();
    public DateTime At { get; set; }
    /// <summary>Who asked: <c>internal-api</c>, <c>openmeet:tenant/slug</c>, a Matrix ID for commands.</summary>
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string Target { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string? Detail { get; set; }
}
