using System.Globalization;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.AdminBot;

public sealed partial class BotCommands
{
    private static readonly TimeSpan ReconcileWait = TimeSpan.FromMinutes(2);

    private async Task<Reply> Reconcile(CommandLine line, string admin, CancellationToken ct)
    {
        var target = line.Args[0];
        var rooms = target == "all" ? store.Rooms.FindAll().ToList()
            : store.Tenants.FindById(target) is not null ? store.Rooms.Find(r => r.TenantId == target).ToList()
            : [FindRoom(target)];
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

        async Task<Reply> Run(CancellationToken token)
        {
            var summary = await RunReconcileAsync(target, rooms, admin, token);
            var text = $"Plan:\n{planText}\n{summary.Text}";
            return summary with { Text = text, Html = Reply.Encode(text) };
        }

        return target == "all"
            ? Reply.Success($"Reconcile all {rooms.Count} rooms? Plan:\n{planText}\nReact with ✅ to this message within 5 minutes to go ahead.") with { OnConfirm = Run }
            : await Run(ct);
    }

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
        var summary = $"Reconciled {target}: {done} of {rooms.Count} room(s) done in {(DateTime.UtcNow - started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
            + (failed.Count == 0 ? "." : $", {failed.Count} failing:\n  " + string.Join("\n  ", failed));
        audit.Record(admin, "reconcile", target, failed.Count == 0 ? "ok" : "partly failed", $"{done}/{rooms.Count} rooms");
        return failed.Count == 0 ? Reply.Success(summary) : Reply.Failure(summary);
    }
}
