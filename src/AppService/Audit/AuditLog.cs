using LiteDB;

namespace OpenMeet.AppService.Audit;

/// <summary>The audit trail: stored for the admin bot's <c>audit</c> and written to the log.</summary>
public sealed partial class AuditLog
{
    private readonly ILiteCollection<AuditEntry> entries;
    private readonly ILogger<AuditLog> logger;

    public AuditLog(LiteDatabase db, ILogger<AuditLog> logger)
    {
        OpenMeet.Oidc.Stores.LiteDbMapping.Prepare(db, typeof(AuditEntry));
        entries = db.GetCollection<AuditEntry>("audit");
        entries.EnsureIndex(e => e.At);
        this.logger = logger;
    }

    public void Record(string actor, string action, string target, string outcome, string? detail = null)
    {
        entries.Insert(new AuditEntry { At = DateTime.UtcNow, Actor = actor, Action = action, Target = target, Outcome = outcome, Detail = detail });
        LogAudit(actor, action, target, outcome, detail);
    }

    public IReadOnlyList<AuditEntry> Latest(int count) =>
        [.. entries.Query().OrderByDescending(e => e.At).Limit(count).ToEnumerable()];

    public int Prune(TimeSpan keep) => entries.DeleteMany(e => e.At < DateTime.UtcNow - keep);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit: {Actor} {Action} {Target}: {Outcome} {Detail}")]
    private partial void LogAudit(string actor, string action, string target, string outcome, string? detail);
}
