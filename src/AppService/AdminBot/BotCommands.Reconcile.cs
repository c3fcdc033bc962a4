using System.Globalization;
using System.Runtime.CompilerServices;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.AdminBot;

public sealed partial class BotCommands
{
    private static readonly TimeSpan ReconcileWait = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(2);

    private async Task<Reply> Reconcile(CommandLine line, string admin, CancellationToken ct)
    {
        var target = line.Args[0];
        var many = target == "all" || store.Tenants.FindById(target) is not null;
        var rooms = target == "all" ? store.Rooms.FindAll().ToList()
            : many ? store.Rooms.Find(r => r.TenantId == target).ToList()
            : [FindRoom(target)];
        if (many && !line.Flags.ContainsKey("dry-run"))
        {
            // A job like POST /internal/reconcile's: no plan read first (that is the dry run's), progress by edits.
            Task<Reply> Start(CancellationToken token)
            {
                var job = jobs.Start(target, rooms);
                audit.Record(admin, "reconcile", target, "started", $"job {job.Id}, {rooms.Count} rooms");
                return Task.FromResult(Reply.Success(Progress(job)) with { Updates = t => FollowAsync(job, admin, t) });
            }

            return target == "all"
                ? Reply.Success($"Reconcile all {rooms.Count} rooms? Each is read from Synapse again and made to match OpenMeet; 'reconcile all --dry-run' shows the plan. "
                    + "React with ✅ to this message within 5 minutes to go ahead.") with { OnConfirm = Start }
                : await Start(ct);
        }

        var plans = new List<(RoomDoc Room, Reconciliation.Plan Plan)>();
        foreach (var room in rooms.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            plans.Add((room, (await reconciler.PreviewAsync(room, ct)).Plan));
        }

        var changing = plans.Where(p => !p.Plan.IsEmpty || p.Plan.Unfixable.Count > 0).ToList();
        var planText = changing.Count == 0 ? $"{rooms.Count} room(s) match OpenMeet: nothing to do."
            : string.Join('\n', changing.Select(p => $"{p.Room.Id}:\n  " + string.Join("\n  ", p.Plan.Actions.Select(a => a.Describe()).Concat(p.Plan.Unfixable.Select(u => "cannot fix: " + u)))));
        if (line.Flags.ContainsKey("dry-run"))
        {
            audit.Record(admin, "reconcile --dry-run", target, "ok", $"{plans.Sum(p => p.Plan.Actions.Count)} actions planned");
            return Reply.Success($"Dry run for {target}, {rooms.Count} room(s), {plans.Sum(p => p.Plan.Actions.Count)} action(s):\n{planText}");
        }

        var summary = await RunReconcileAsync(target, rooms, admin, ct);
        var text = $"Plan:\n{planText}\n{summary.Text}";
        return summary with { Text = text, Html = Reply.Encode(text) };
    }

    private static string Progress(ReconcileJob job) =>
        $"Reconciling {job.Target}: {job.Done} of {job.Rooms} room(s) done{(job.FailedCount > 0 ? $", {job.FailedCount} failing" : "")}, "
        + $"{Seconds(DateTime.UtcNow - job.StartedAt)} s so far (job {job.Id}; this message is updated as rooms finish).";

    // The job's progress as it changes, at most every ProgressEvery, then the outcome, which is audited.
    private async IAsyncEnumerable<Reply> FollowAsync(ReconcileJob job, string admin, [EnumeratorCancellation] CancellationToken ct)
    {
        var shown = (job.Done, job.FailedCount);
        while (!job.Completion.IsCompleted)
        {
            await Task.WhenAny(job.Completion, Task.Delay(ProgressEvery, ct));
            ct.ThrowIfCancellationRequested();
            if (!job.Completion.IsCompleted && (job.Done, job.FailedCount) != shown)
            {
                shown = (job.Done, job.FailedCount);
                yield return Reply.Success(Progress(job));
            }
        }

        var failed = job.Failures;
        var summary = $"Reconciled {job.Target}: {job.Done} of {job.Rooms} room(s) done in {Seconds((job.FinishedAt ?? DateTime.UtcNow) - job.StartedAt)} s"
            + (job.FailedCount == 0 ? "." : $", {job.FailedCount} failing:\n  " + string.Join("\n  ", failed)
                + (failed.Count < job.FailedCount ? $"\n  ... and {job.FailedCount - failed.Count} more ('rooms' lists them)" : ""));
        audit.Record(admin, "reconcile", job.Target, job.FailedCount == 0 ? "ok" : "partly failed", $"job {job.Id}: {job.Done}/{job.Rooms} rooms");
        yield return job.FailedCount == 0 ? Reply.Success(summary) : Reply.Failure(summary);
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

    // The fix for a room the bot cannot enter any more; it loses the room's history for its people, so it asks.
    private Task<Reply> Recreate(CommandLine line, string admin, CancellationToken ct)
    {
        var room = FindRoom(line.Args[0]);
        if (room.RoomId is not { } old)
        {
            return Task.FromResult(Reply.Failure($"{room.Id} has no Matrix room yet: nothing to replace."));
        }

        Task<Reply> Run(CancellationToken token)
        {
            reconciler.ReplaceRoom(room);
            audit.Record(admin, "recreate", room.Id, "ok", $"instead of {old}");
            return Task.FromResult(Reply.Success($"{room.Id} gets a new room under its alias, with its members invited; {old} stays as it is. 'room {room.Id}' shows the new one."));
        }

        var problem = room.Status == RoomStatus.Failed ? $" It is failing: {room.LastError}" : " It is not failing now.";
        return Task.FromResult(Reply.Success(
            $"Make a new room for {room.Id} instead of {old}?{problem} The old room keeps its people and its history; the new one starts empty. "
            + "React with ✅ to this message within 5 minutes to go ahead.") with { OnConfirm = Run });
    }

    private async Task<Reply> RunReconcileAsync(string target, List<RoomDoc> rooms, string admin, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(ReconcileWait);
        // Each waits on its room's reconcile; none is asked after.
        var runs = rooms.Select(r => (Room: r, Run: reconciler.ReconcileAfreshAsync(r, limit.Token))).ToList();
        try
        {
            await Task.WhenAll(runs.Select(r => r.Run));
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // Failed or still running at the deadline: counted below, room by room.
        }

        var done = runs.Count(r => r.Run.IsCompletedSuccessfully);
        var failed = runs.Where(r => r.Run.IsFaulted).Select(r => $"{r.Room.Id}: {r.Run.Exception!.InnerException!.Message}").ToList();
        var summary = $"Reconciled {target}: {done} of {rooms.Count} room(s) done in {Seconds(DateTime.UtcNow - started)} s"
            + (failed.Count == 0 ? "." : $", {failed.Count} failing:\n  " + string.Join("\n  ", failed));
        audit.Record(admin, "reconcile", target, failed.Count == 0 ? "ok" : "partly failed", $"{done}/{rooms.Count} rooms");
        return failed.Count == 0 ? Reply.Success(summary) : Reply.Failure(summary);
    }
}
