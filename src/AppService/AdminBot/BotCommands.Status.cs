using System.Globalization;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.AdminBot;

public sealed partial class BotCommands
{
    private static readonly TimeSpan StatusPingTimeout = TimeSpan.FromSeconds(5);

    private async Task<Reply> ShowStatus(CommandLine line, string admin, CancellationToken ct)
    {
        string synapse;
        using var ping = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ping.CancelAfter(StatusPingTimeout);
        try
        {
            var ms = await matrix.PingAsync($"status-{Guid.NewGuid():N}", ping.Token);
            synapse = $"reachable, it pinged us back in {ms} ms";
        }
        catch (Exception e) when (e is Matrix.MatrixException or HttpRequestException)
        {
            synapse = $"NOT reachable: {e.Message}";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // A hung Synapse: say so now rather than wait out the client's timeout.
            synapse = $"NOT reachable: no answer to a ping within {StatusPingTimeout.TotalSeconds:0} s";
        }

        var last = push.LastTxnId is null ? "none since start" : $"{push.LastTxnId} at {push.LastTxnAt:u}";
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "version", ServiceInfo.Version },
            new[] { "uptime", info.Uptime.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) },
            new[] { "Synapse", synapse },
            new[] { "inbox depth", push.InboxPending.ToString(CultureInfo.InvariantCulture) },
            new[] { "quarantined events", $"{push.EventsQuarantined} since start, {quarantine.Count} kept (see /internal/status)" },
            new[] { "reconcile queue", backlog.Depth.ToString(CultureInfo.InvariantCulture) },
            new[] { "rooms failing", store.Rooms.Count(r => r.Status == RoomStatus.Failed).ToString(CultureInfo.InvariantCulture) + " (see 'rooms')" },
            new[] { "last transaction", last },
            new[] { "tenants / rooms / people", $"{store.Tenants.Count()} / {store.Rooms.Count()} / {store.Users.Count()}" },
            new[] { "errors, last hour", errors.InLastHour.ToString(CultureInfo.InvariantCulture) },
        };
        return Reply.Table("OpenMeet AppService status", ["", ""], rows);
    }

    private Task<Reply> Tenants(CommandLine line, string admin, CancellationToken ct)
    {
        var rows = store.Tenants.FindAll().OrderBy(t => t.Id, StringComparer.Ordinal).Select(t => (IReadOnlyList<string>)
        [
            t.Id, t.Name,
            store.Rooms.Count(r => r.TenantId == t.Id).ToString(CultureInfo.InvariantCulture),
            store.Users.Count(u => u.TenantId == t.Id).ToString(CultureInfo.InvariantCulture),
        ]).ToList();
        return Task.FromResult(rows.Count == 0 ? Reply.Success("No tenants yet.") : Reply.Table($"Tenants ({rows.Count})", ["tenant", "name", "rooms", "people"], rows));
    }

    private Task<Reply> Rooms(CommandLine line, string admin, CancellationToken ct)
    {
        var tenant = line.Args.ElementAtOrDefault(0);
        if (tenant is not null && store.Tenants.FindById(tenant) is null)
        {
            throw new CommandException($"no tenant '{tenant}' (see 'tenants')");
        }

        var rows = store.Rooms.FindAll().Where(r => tenant is null || r.TenantId == tenant).OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => (IReadOnlyList<string>)[r.Id, r.RoomId ?? "-", r.Status.ToString().ToLowerInvariant(), r.LastError ?? ""]).ToList();
        return Task.FromResult(rows.Count == 0
            ? Reply.Success(tenant is null ? "No managed rooms yet." : $"Tenant {tenant} has no rooms yet.")
            : Paged(tenant is null ? "Managed rooms" : $"Rooms of {tenant}", ["room", "room id", "state", "problem"], rows, Page(line),
                tenant is null ? "rooms" : $"rooms {tenant}"));
    }

    private async Task<Reply> Room(CommandLine line, string admin, CancellationToken ct)
    {
        var room = FindRoom(line.Args[0]);
        var report = await Reconciliation.RoomReports.BuildAsync(room, reconciler, aliases, store, ct);
        var text = new List<string>
        {
            $"{room.Id}: {report.State}",
            $"room id: {report.RoomId ?? "not created yet"}",
            $"alias: {report.Alias ?? "-"}",
            $"desired: name '{report.Desired?.Name}', {report.Desired?.Members.Count ?? 0} members, levels {Levels(report.Desired?.PowerLevels)}",
            $"actual: name '{report.Actual?.Name}', {report.Actual?.Members.Count ?? 0} in the room, levels {Levels(report.Actual?.PowerLevels)}",
            $"last reconcile: {(report.LastReconciledAt is { } at ? at.ToString("u", CultureInfo.InvariantCulture) : "never")}",
            report.Drift.Count == 0 ? "drift: none" : "drift:\n  " + string.Join("\n  ", report.Drift),
        };
        if (report.LastError is { } error)
        {
            text.Add($"last problem: {error}");
        }

        return Reply.Success(string.Join('\n', text));
    }

    private Task<Reply> Audit(CommandLine line, string admin, CancellationToken ct)
    {
        var count = line.Args.Count == 0 ? 10
            : int.TryParse(line.Args[0], out var n) && n is > 0 and <= 100 ? n
            : throw new CommandException($"n is a number from 1 to 100, got '{line.Args[0]}'");
        var rows = audit.Latest(count).Select(e => (IReadOnlyList<string>)
            [e.At.ToString("u", CultureInfo.InvariantCulture), e.Actor, e.Action, e.Target, e.Outcome, e.Detail ?? ""]).ToList();
        return Task.FromResult(rows.Count == 0 ? Reply.Success("The audit trail is empty.")
            : Reply.Table($"The last {rows.Count} admin actions", ["when", "who", "what", "on", "outcome", "detail"], rows));
    }

    private static string Levels(IReadOnlyDictionary<string, int>? levels) =>
        levels is null || levels.Count == 0 ? "(all default)" : string.Join(", ", levels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>A room by alias, room id or key (<c>tenant/event/slug</c>, plural kinds too).</summary>
    private RoomDoc FindRoom(string what)
    {
        RoomDoc? room = what[0] switch
        {
            '#' => aliases.Parse(what) is { } a ? store.Rooms.FindById(Names.EntityKey(a.TenantId, a.Kind, a.Slug)) : null,
            '!' => store.Rooms.FindOne(r => r.RoomId == what),
            _ => what.Split('/') is [var t, var k, var s] && Names.EntityKind(k) is { } kind ? store.Rooms.FindById(Names.EntityKey(t, kind, s))
                : store.Rooms.FindById(what),
        };
        return room ?? throw new CommandException($"no managed room '{what}'");
    }
}
