using System.Globalization;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.AdminBot;

/// <summary>The management room's commands. Each gets the parsed line and the admin who typed it.</summary>
public sealed partial class BotCommands
{
    private const int PageSize = 25;
    private readonly ServiceInfo info;
    private readonly PushMetrics push;
    private readonly RecentErrors errors;
    private readonly Quarantine quarantine;
    private readonly ReconcileBacklog backlog;
    private readonly Store store;
    private readonly Reconciler reconciler;
    private readonly HandleClaims claims;
    private readonly AuditLog audit;
    private readonly MatrixClient matrix;
    private readonly RoomAliases aliases;
    private readonly Revocation revocation;
    private readonly ReconcileJobs jobs;
    private readonly CommandMetrics metrics;

    public BotCommands(ServiceInfo info, PushMetrics push, RecentErrors errors, Quarantine quarantine, ReconcileBacklog backlog, Store store, Reconciler reconciler, HandleClaims claims,
        AuditLog audit, MatrixClient matrix, RoomAliases aliases, Revocation revocation, ReconcileJobs jobs, CommandMetrics metrics)
    {
        this.metrics = metrics;
        this.revocation = revocation;
        this.jobs = jobs;
        this.info = info;
        this.push = push;
        this.errors = errors;
        this.quarantine = quarantine;
        this.backlog = backlog;
        this.store = store;
        this.reconciler = reconciler;
        this.claims = claims;
        this.audit = audit;
        this.matrix = matrix;
        this.aliases = aliases;
        All =
        [
            new("help", "help [command]", "what commands there are, or how to use one", 0, 1, [], Help),
            new("status", "status", "version, uptime, Synapse, queues, counts, recent errors", 0, 0, [], ShowStatus),
            new("tenants", "tenants", "the tenants and how many rooms and people each has", 0, 0, [], Tenants),
            new("rooms", "rooms [tenant] [--page=N]", "managed rooms and their state", 0, 1, ["page"], Rooms),
            new("room", "room <#alias|!roomid|tenant/kind/slug>", "one room: desired vs actual, drift, last reconcile", 1, 1, [], Room),
            new("reconcile", "reconcile <room|tenant|all> [--dry-run]", "a room: show its plan and run it; a tenant or all: run it as a job, the reply edited as rooms finish (all asks first); --dry-run: only the plan", 1, 1, ["dry-run"], Reconcile),
            new("recreate", "recreate <room>", "a new room under the alias of one the bot cannot enter (asks first)", 1, 1, [], Recreate),
            new("whois", "whois <@mxid|handle|tenant/slug>", "a person: tenant, handle, account, rooms", 1, 1, [], Whois),
            new("handle", "handle check|release|block <handle>", "check a handle, release one (it stays blocked), block one", 2, 2, [], Handle),
            new("revoke", "revoke <@mxid|tenant/slug>", "log a person out everywhere and out of every room (asks first)", 1, 1, [], Revoke),
            new("audit", "audit [n]", "the last n admin actions (default 10)", 0, 1, [], Audit),
            new("crosstenant", "crosstenant allow|deny|list [tenantA tenantB]", "let people of two tenants share rooms, or stop it", 1, 3, [], CrossTenant),
        ];
    }

    public IReadOnlyList<CommandSpec> All { get; }

    public CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    /// <summary>Checks the line against its command and runs it; a bad line gets what was expected.</summary>
    public async Task<Reply> RunAsync(CommandLine line, string admin, CancellationToken ct)
    {
        var ok = false;
        try
        {
            var reply = await CheckAndRunAsync(line, admin, ct);
            ok = reply.Ok;
            return reply;
        }
        finally
        {
            metrics.Ran(Find(line.Name)?.Name ?? "unknown", ok);
        }
    }

    private async Task<Reply> CheckAndRunAsync(CommandLine line, string admin, CancellationToken ct)
    {
        if (Find(line.Name) is not { } spec)
        {
            var closest = Suggest.Closest(line.Name, All.Select(c => c.Name));
            return Reply.Failure($"Unknown command '{line.Name}'.{(closest is null ? "" : $" Did you mean '{closest}'?")} Type 'help' for the list.");
        }

        if (line.Args.Count < spec.MinArgs || line.Args.Count > spec.MaxArgs)
        {
            return Reply.Failure($"{spec.Name} takes {(spec.MinArgs == spec.MaxArgs ? spec.MinArgs.ToString(CultureInfo.InvariantCulture) : $"{spec.MinArgs} to {spec.MaxArgs}")} argument(s), got {line.Args.Count}. Usage: {spec.Usage}");
        }

        if (line.Flags.Keys.FirstOrDefault(f => !spec.Flags.Contains(f)) is { } flag)
        {
            return Reply.Failure($"{spec.Name} has no --{flag}. Usage: {spec.Usage}");
        }

        try
        {
            return await spec.Run(line, admin, ct);
        }
        catch (CommandException e)
        {
            return Reply.Failure($"{e.Message}. Usage: {spec.Usage}");
        }
    }

    private Task<Reply> Help(CommandLine line, string admin, CancellationToken ct)
    {
        if (line.Args.Count == 1)
        {
            return Task.FromResult(Find(line.Args[0].ToLowerInvariant()) is { } spec
                ? Reply.Success($"{spec.Usage}\n{spec.Summary}")
                : Reply.Failure($"No command '{line.Args[0]}'. Type 'help' for the list."));
        }

        return Task.FromResult(Reply.Table($"Commands (type them here, bare or after {CommandLine.Prefix}):",
            ["command", "what it does"], [.. All.Select(c => (IReadOnlyList<string>)[c.Usage, c.Summary])],
            "help <command> tells more."));
    }

    private static int Page(CommandLine line) =>
        !line.Flags.TryGetValue("page", out var value) ? 1
        : int.TryParse(value, out var page) && page > 0 ? page
        : throw new CommandException($"--page needs a page number, like --page=2, got '{value}'");

    private static Reply Paged(string title, IReadOnlyList<string> headers, List<IReadOnlyList<string>> rows, int page, string more)
    {
        var pages = Math.Max(1, (rows.Count + PageSize - 1) / PageSize);
        page = Math.Clamp(page, 1, pages);
        return Reply.Table($"{title} ({rows.Count}, page {page} of {pages})", headers, [.. rows.Skip((page - 1) * PageSize).Take(PageSize)],
            page < pages ? $"More: {more} --page={page + 1}" : null);
    }
}
