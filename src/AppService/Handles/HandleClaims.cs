using LiteDB;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Handles;

/// <summary>
/// Who has which handle. A claim is permanent: a handle is never given to anyone else, also after it
/// is released. Two people claiming one handle at once: the database's unique id lets exactly one in.
/// </summary>
public sealed class HandleClaims
{
    private const int MaxSuggestions = 5;
    private readonly LiteDatabase db;
    private readonly ILiteCollection<HandleDoc> handles;
    private readonly HandleRules rules;
    private readonly SynapseAdmin admin;
    private readonly SynapseMas mas;
    private readonly bool authService;
    private readonly Store store;
    private readonly AuditLog audit;
    private readonly HandleMetrics metrics;
    private readonly string serverName;

    public HandleClaims(LiteDatabase db, HandleRules rules, SynapseAdmin admin, SynapseMas mas, Store store, AuditLog audit, HandleMetrics metrics, AppConfig config)
    {
        this.metrics = metrics;
        this.db = db;
        OpenMeet.Oidc.Stores.LiteDbMapping.Prepare(db, typeof(HandleDoc));
        handles = db.GetCollection<HandleDoc>("handles");
        handles.EnsureIndex(h => h.ActiveKey, unique: true);
        this.rules = rules;
        this.admin = admin;
        this.mas = mas;
        authService = config.Oidc.IsAuthService;
        this.store = store;
        this.audit = audit;
        serverName = config.Homeserver.ServerName;
    }

    public string? ActiveHandleOf(string userKey) => handles.FindOne(h => h.ActiveKey == userKey)?.Id;

    /// <summary>Why this person cannot have the handle, or null if they can (or have it already).</summary>
    public async Task<string?> ProblemAsync(string handle, string? userKey, CancellationToken ct)
    {
        if (rules.Problem(handle) is { } problem)
        {
            return problem;
        }

        if (handles.FindById(handle) is { } held)
        {
            return held.State == HandleState.Claimed && held.UserKey == userKey && userKey is not null ? null
                : held.State == HandleState.Claimed ? $"'{handle}' is taken."
                : $"'{handle}' is not available.";
        }

        return await ExistsInSynapseAsync(handle, ct) ? $"'{handle}' is taken by an account on this server." : null;
    }

    public async Task<HandleCheck> CheckAsync(string wanted, string? name, string? userKey, CancellationToken ct)
    {
        var handle = HandleRules.Fold(wanted);
        var problem = await ProblemAsync(handle, userKey, ct);
        metrics.Checked(problem is null ? "available" : rules.Problem(handle) is null ? "taken" : "invalid");
        if (problem is null)
        {
            return new HandleCheck(handle, true, null, []);
        }

        var suggestions = new List<string>();
        foreach (var candidate in rules.Candidates(wanted, name).Take(40))
        {
            if (await ProblemAsync(candidate, userKey, ct) is null)
            {
                suggestions.Add(candidate);
                if (suggestions.Count == MaxSuggestions)
                {
                    break;
                }
            }
        }

        return new HandleCheck(handle, false, problem, suggestions);
    }

    public async Task<ClaimOutcome> ClaimAsync(string userKey, string wanted, string actor, CancellationToken ct)
    {
        var handle = HandleRules.Fold(wanted);
        if (rules.Problem(handle) is { } invalid)
        {
            return new(ClaimStatus.Invalid, handle, invalid);
        }

        if (ActiveHandleOf(userKey) is { } current)
        {
            return current == handle
                ? new(ClaimStatus.AlreadyYours, handle, null)
                : new(ClaimStatus.HasAnother, current, $"You have the handle '{current}' already; handles are permanent.");
        }

        if (await ProblemAsync(handle, userKey, ct) is { } problem)
        {
            return new(ClaimStatus.Taken, handle, problem);
        }

        db.BeginTrans();
        try
        {
            handles.Insert(new HandleDoc { Id = handle, UserKey = userKey, ActiveKey = userKey, State = HandleState.Claimed, At = DateTime.UtcNow });
            store.ChangeUser(userKey, u => u.Handle = handle);

            db.Commit();
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            db.Rollback();
            return ActiveHandleOf(userKey) is { } other && other != handle
                ? new(ClaimStatus.HasAnother, other, $"You have the handle '{other}' already; handles are permanent.")
                : new(ClaimStatus.Taken, handle, $"'{handle}' is taken.");
        }
        catch
        {
            // LiteDB binds a transaction to its thread: one left open would take in that thread's next writes.
            db.Rollback();
            throw;
        }

        audit.Record(actor, "claim handle", userKey, "ok", handle);
        return new(ClaimStatus.Claimed, handle, null);
    }

    /// <summary>The owner's claim ends; the handle stays blocked for everyone. Null, or why not.</summary>
    public string? Release(string handle)
    {
        if (handles.FindById(handle) is not { State: HandleState.Claimed } held)
        {
            return $"'{handle}' is not claimed by anyone.";
        }

        held.State = HandleState.Released;
        held.ActiveKey = "~" + handle;
        handles.Update(held);
        return null;
    }

    /// <summary>Nobody may claim the handle from now on. Null, or why not.</summary>
    public string? Block(string handle)
    {
        if (rules.Problem(handle) is { } problem && !problem.EndsWith("is reserved.", StringComparison.Ordinal))
        {
            return problem;
        }

        if (handles.FindById(handle) is { } held)
        {
            return held.State == HandleState.Claimed
                ? $"'{handle}' is claimed by {held.UserKey}; release it first."
                : $"'{handle}' is blocked already.";
        }

        handles.Insert(new HandleDoc { Id = handle, ActiveKey = "~" + handle, State = HandleState.Blocked, At = DateTime.UtcNow });
        return null;
    }

    private async Task<bool> ExistsInSynapseAsync(string handle, CancellationToken ct)
    {
        if (authService)
        {
            // Case-insensitive, as handles are; also false for a localpart Synapse would refuse.
            return !await mas.IsLocalpartAvailableAsync(handle, ct);
        }

        if (!admin.Configured)
        {
            return false;
        }

        try
        {
            await admin.SendAsync(HttpMethod.Get, $"_synapse/admin/v2/users/{Uri.EscapeDataString($"@{handle}:{serverName}")}", null, ct);
            return true;
        }
        catch (MatrixException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
