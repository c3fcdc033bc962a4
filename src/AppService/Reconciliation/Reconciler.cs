using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Audit;
using OpenMeet.Oidc;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// The controller: takes keys from the backlog, a bounded number at a time and each key by one worker,
/// compares OpenMeet's wish with the room and applies the plan. Failures are retried with backoff (a
/// 429 is waited out by the client). Every room is reconciled at start, so a restart loses nothing.
/// While Synapse does not answer, the workers wait for it rather than fail room after room; once it
/// answers again, what failed meanwhile is tried again at once, at the same bounded parallelism.
/// </summary>
public sealed partial class Reconciler(
    ReconcileBacklog backlog,
    Store store,
    ObservedRooms observed,
    DesiredRooms desiredRooms,
    MatrixClient matrix,
    SynapseReachability synapse,
    SynapseAdmin admin,
    RoomAliases aliases,
    AppConfig config,
    AuditLog audit,
    RecentErrors errors,
    Supervisor supervisor,
    System.Diagnostics.Metrics.IMeterFactory meters,
    ILogger<Reconciler> logger,
    ISessionLogout? sessions = null) : BackgroundService
{
    public const string UserKeyPrefix = "user:";
    // The reconciler's instruments live as long as it does.
    private readonly ReconcileMetrics metrics = new(meters, store, backlog);
    private readonly ConcurrentDictionary<string, int> attempts = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        synapse.Recovered += RetryFailedNow;
        foreach (var room in store.Rooms.FindAll().OrderBy(r => r.Kind != RoomKind.Space))
        {
            backlog.Enqueue(room.Id);
        }

        foreach (var user in store.Users.Find(u => u.Handle != null || (u.Revoked && !u.SessionsEnded)))
        {
            backlog.Enqueue(UserKeyPrefix + user.Id);
        }

        var workers = Enumerable.Range(0, config.Reconciler.Parallelism)
            .Select(i => supervisor.RunAsync($"Reconcile worker {i + 1}", WorkAsync, stoppingToken)).ToList();
        workers.Add(supervisor.RunAsync("The reconcile retries", PromoteRetriesAsync, stoppingToken));
        await Task.WhenAll(workers);
    }

    private async Task PromoteRetriesAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await timer.WaitForNextTickAsync(ct))
        {
            backlog.PromoteDue();
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await synapse.WaitUntilReachableAsync(ct);
            var key = await backlog.TakeAsync(ct);
            try
            {
                if (key.StartsWith(UserKeyPrefix, StringComparison.Ordinal))
                {
                    await ProvisionAsync(key[UserKeyPrefix.Length..], ct);
                }
                else
                {
                    await ReconcileRoomAsync(key, ct);
                }

                attempts.TryRemove(key, out _);
            }
            catch (WaitingException e)
            {
                LogWaiting(key, e.Message);
                backlog.EnqueueAfter(key, TimeSpan.FromMilliseconds(250));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                var attempt = attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
                var delay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, attempt - 1), 300));
                LogFailed(key, attempt, delay.TotalSeconds, e.Message);
                RecordFailure(key, e.Message);
                errors.Occurred();
                backlog.EnqueueAfter(key, delay);
            }
            finally
            {
                backlog.Done(key);
            }
        }
    }

    // What failed during the outage would otherwise wait out a backoff of up to 5 minutes.
    private void RetryFailedNow(SynapseOutage outage)
    {
        var keys = attempts.Keys.ToList();
        foreach (var key in keys)
        {
            attempts.TryRemove(key, out _);
            backlog.Enqueue(key);
        }

        LogRetryingAfterOutage(keys.Count, outage.Duration.TotalSeconds);
    }

    private async Task ReconcileRoomAsync(string key, CancellationToken ct)
    {
        if (store.Rooms.FindById(key) is not { } room || store.Tenants.FindById(room.TenantId) is not { } tenant)
        {
            return;
        }

        string? spaceRoomId = null;
        if (room.Kind is RoomKind.Event or RoomKind.Group)
        {
            spaceRoomId = store.Rooms.FindById(Names.SpaceKey(room.TenantId))?.RoomId;
            if (spaceRoomId is null)
            {
                backlog.Enqueue(Names.SpaceKey(room.TenantId));
                throw new WaitingException($"the space of tenant {room.TenantId}");
            }
        }

        if (room.ReplaceRequested && room.RoomId is { } replaced)
        {
            await ForgetRoomAsync(room, tenant, spaceRoomId, $"an admin asked for a new room instead of {replaced}", everyoneLeft: false, ct);
        }

        if (room.RoomId is null)
        {
            if (room.Deleted)
            {
                Save(room, RoomStatus.Closed, null);
                return;
            }

            await CreateAsync(room, tenant, spaceRoomId, ct);
        }

        ObservedRoom current;
        try
        {
            current = await observed.GetAsync(room.RoomId!, ct);
        }
        catch (MatrixException e) when (e.Status is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound && admin.Configured)
        {
            if (!await admin.RoomExistsAsync(room.RoomId!, ct))
            {
                await ForgetRoomAsync(room, tenant, spaceRoomId, $"{room.RoomId} was deleted on the server", everyoneLeft: true, ct);
                throw new WaitingException($"a new room: {e.Message}");
            }

            // The room is there but the bot is not in it (it left, or was removed from an older room).
            await EnterAsync(room, ct);
            current = await observed.GetAsync(room.RoomId!, ct);
        }

        var desired = desiredRooms.Build(room, tenant, spaceRoomId, current);
        var plan = Planner.Plan(desired, current);
        IReadOnlyList<string> refused;
        try
        {
            refused = await PlanExecution.ApplyAsync(plan.Actions, a => ApplyAsync(room, a, ct), a => observed.Applied(room.RoomId!, a));
        }
        catch
        {
            observed.Invalidate(room.RoomId!);
            throw;
        }

        if (refused.Count > 0)
        {
            // The rest was applied; the room is marked failing with the reason and tried again with backoff.
            observed.Invalidate(room.RoomId!);
            throw new InvalidOperationException($"Synapse refused {refused.Count} of {plan.Actions.Count} actions: {string.Join("; ", refused)}");
        }

        if (plan.Actions.Count > 0)
        {
            LogApplied(key, room.RoomId!, plan.Actions.Count);
        }

        Save(room, room.Deleted ? RoomStatus.Closed : RoomStatus.Ready, plan.Unfixable.Count > 0 ? string.Join("; ", plan.Unfixable) : null);
        if (room.Kind is RoomKind.Event or RoomKind.Group && plan.Actions.Any(a => a is SetState { Type: RoomState.ClosedType }))
        {
            backlog.Enqueue(Names.SpaceKey(room.TenantId));
        }
    }

    /// <summary>
    /// A reconcile someone asked for (the internal API, the bot): the room is read from Synapse again
    /// rather than from the cache, so what happened to it outside the event stream (a deletion on the
    /// server, a change while we were down) is seen too.
    /// </summary>
    public void ReconcileAfresh(RoomDoc room)
    {
        if (room.RoomId is { } roomId)
        {
            observed.Invalidate(roomId);
        }

        backlog.Enqueue(room.Id);
    }

    /// <summary>What a reconcile of this room would do now, without doing it.</summary>
    public async Task<(DesiredRoom? Desired, ObservedRoom? Observed, Plan Plan)> PreviewAsync(RoomDoc room, CancellationToken ct)
    {
        if (store.Tenants.FindById(room.TenantId) is not { } tenant)
        {
            return (null, null, new Plan([], [$"tenant {room.TenantId} is unknown"]));
        }

        var spaceRoomId = room.Kind is RoomKind.Event or RoomKind.Group ? store.Rooms.FindById(Names.SpaceKey(room.TenantId))?.RoomId : null;
        if (room.RoomId is null)
        {
            var wanted = desiredRooms.Build(room, tenant, spaceRoomId, ObservedRoom.Empty(""));
            return (wanted, null, new Plan(room.Deleted ? [] : [new CreateRoom(room.Id)], []));
        }

        ObservedRoom current;
        try
        {
            current = await observed.GetAsync(room.RoomId, ct);
        }
        catch (Exception e) when (e is MatrixException or HttpRequestException)
        {
            // Gone from the server, or Synapse down: say so rather than fail the report.
            var unread = desiredRooms.Build(room, tenant, spaceRoomId, ObservedRoom.Empty(room.RoomId));
            return (unread, null, new Plan([], [$"cannot read the room from Synapse: {e.Message}"]));
        }

        var desired = desiredRooms.Build(room, tenant, spaceRoomId, current);
        return (desired, current, Planner.Plan(desired, current));
    }

    /// <summary>Reconciles the room of <paramref name="key"/> soon and waits until it exists in Matrix and
    /// its first reconcile has run.</summary>
    public async Task<string?> EnsureRoomAsync(string key, TimeSpan timeout, CancellationToken ct)
    {
        backlog.Enqueue(key);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (store.Rooms.FindById(key) is { RoomId: { } roomId, Status: not RoomStatus.Pending })
            {
                return roomId;
            }

            await Task.Delay(50, ct);
        }

        return null;
    }

    /// <summary>
    /// An admin's fix for a room the bot can no longer enter: the entity gets a new room under the same
    /// alias at its next turn. The old room, its people and its history stay where they are.
    /// </summary>
    public void ReplaceRoom(RoomDoc room)
    {
        store.ChangeRoom(room.Id, r => r.ReplaceRequested = true);
        ReconcileAfresh(room);
    }

    // The entity gets a new room under the same alias: the old one was deleted or purged on the server
    // (what it held is gone with it), or an admin asked for it. The alias is freed first if it still
    // points at the old room.
    private async Task ForgetRoomAsync(RoomDoc room, TenantDoc tenant, string? spaceRoomId, string why, bool everyoneLeft, CancellationToken ct)
    {
        var old = room.RoomId!;
        if (desiredRooms.Build(room, tenant, spaceRoomId, ObservedRoom.Empty("")).Alias is { } alias
            && await matrix.ResolveAliasAsync(alias, ct) == old)
        {
            await matrix.DeleteAliasAsync(alias, ct);
        }

        observed.Invalidate(old);
        if (everyoneLeft)
        {
            // Synapse's deletion makes everyone leave as if by their own hand; nobody chose to.
            foreach (var member in store.Members.Find(m => m.RoomKey == room.Id && m.OptedOut))
            {
                member.OptedOut = false;
                store.Members.Update(member);
            }
        }

        store.ChangeRoom(room.Id, r =>
        {
            r.RoomId = null;
            r.ReplaceRequested = false;
            r.Status = RoomStatus.Pending;
            r.LastError = $"{why}; a new room is made";
            r.UpdatedAt = DateTime.UtcNow;
        });
        room.RoomId = null;
        room.ReplaceRequested = false;
        audit.Record("reconciler", "re-create room", room.Id, "ok", why);
        LogRecreating(room.Id, old, why);
        if (room.Kind is RoomKind.Event or RoomKind.Group)
        {
            backlog.Enqueue(Names.SpaceKey(room.TenantId));
        }
    }

    // The bot joins a room it is not in. A room it cannot enter any more (private, and nobody invites it)
    // is reported with the two ways out, and tried again with backoff: an invite from the room will do.
    private async Task EnterAsync(RoomDoc room, CancellationToken ct)
    {
        try
        {
            await matrix.JoinAsync(room.RoomId!, ct);
            observed.Invalidate(room.RoomId!);
        }
        catch (MatrixException e) when (e.Status is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException(
                $"the bot cannot enter {room.RoomId} ({e.ErrCode} {e.Error}). To fix it, invite {matrix.BotUserId} from the room, "
                + $"or give the bot the command 'recreate {room.Id}' for a new room under its alias (the old room keeps its people and history)", e);
        }
    }

    private async Task CreateAsync(RoomDoc room, TenantDoc tenant, string? spaceRoomId, CancellationToken ct)
    {
        var desired = desiredRooms.Build(room, tenant, spaceRoomId, ObservedRoom.Empty(""));
        string roomId;
        try
        {
            roomId = await matrix.CreateRoomAsync(RoomCreation.Request(desired, aliases, room, config.Reconciler.Encryption), ct);
        }
        catch (MatrixException e) when (e.ErrCode == "M_ROOM_IN_USE" && desired.Alias is not null)
        {
            // An earlier attempt created the room but did not live to record it.
            roomId = await matrix.ResolveAliasAsync(desired.Alias, ct)
                ?? throw new InvalidOperationException($"the alias {desired.Alias} is taken but points nowhere", e);
        }

        room.RoomId = roomId;
        store.ChangeRoom(room.Id, r =>
        {
            r.RoomId = roomId;
            r.UpdatedAt = DateTime.UtcNow;
        });
        LogCreated(room.Id, roomId);
        if (room.Kind is RoomKind.Event or RoomKind.Group)
        {
            backlog.Enqueue(Names.SpaceKey(room.TenantId));
        }
    }

    private Task ApplyAsync(RoomDoc room, RoomAction action, CancellationToken ct) => action switch
    {
        SetState s => matrix.SetStateAsync(room.RoomId!, s.Type, s.StateKey, s.Content, ct),
        Invite i => matrix.InviteAsync(room.RoomId!, i.UserId, ct),
        ForceJoin j => admin.ForceJoinAsync(room.RoomId!, j.UserId, ct),
        JoinBot => EnterAsync(room, ct),
        Kick k => matrix.KickAsync(room.RoomId!, k.UserId, k.Reason, ct),
        RemoveAlias a => matrix.DeleteAliasAsync(a.Alias, ct),
        _ => throw new InvalidOperationException($"no way to apply {action}"),
    };

    // The steps of a revocation, each done once and retried (with the key) until it is.
    private async Task RevokeAsync(UserDoc user, CancellationToken ct)
    {
        if (user.UserId is { } userId && !user.Locked)
        {
            await admin.PutUserAsync(userId, new() { ["locked"] = true }, ct);
            await admin.LogoutEverywhereAsync(userId, ct);
            user.Locked = true;
            store.ChangeUser(user.Id, u => u.Locked = true);
            audit.Record("internal-api", "revoke", userId, "ok", "locked, all devices logged out");
        }

        if (!user.SessionsEnded)
        {
            if (sessions is not null)
            {
                await sessions.LogoutUserAsync(user.Id, ct);
            }

            user.SessionsEnded = true;
            store.ChangeUser(user.Id, u => u.SessionsEnded = true);
        }
    }

    /// <summary>
    /// Creates or updates the Matrix account of a user with a handle (display name, email, the link to
    /// our OIDC provider so an SSO login lands in this account), then reconciles their rooms. A revoked
    /// user's account is locked and every device logged out; the handle stays theirs.
    /// </summary>
    public async Task ProvisionAsync(string userKey, CancellationToken ct)
    {
        if (store.Users.FindById(userKey) is not { } user)
        {
            return;
        }

        if (user.Revoked)
        {
            await RevokeAsync(user, ct);
            return;
        }

        if (user.Handle is null)
        {
            return;
        }

        var userId = $"@{user.Handle}:{config.Homeserver.ServerName}";
        if (user.UserId == userId && user.ProvisionedName == user.Name && !user.Locked)
        {
            return;
        }

        var account = new JsonObject
        {
            ["displayname"] = user.Name,
            ["locked"] = false,
            ["external_ids"] = new JsonArray(new JsonObject
            {
                ["auth_provider"] = $"oidc-{config.Homeserver.OidcIdpId}",
                ["external_id"] = Subjects.For(user.TenantId, user.Slug),
            }),
        };
        // Synapse takes a threepid as validated: only an email OpenMeet vouched for becomes one.
        if (user.Email is { Length: > 0 } email && user.EmailVerified)
        {
            account["threepids"] = new JsonArray(new JsonObject { ["medium"] = "email", ["address"] = email });
        }

        try
        {
            await admin.PutUserAsync(userId, account, ct);
        }
        catch (MatrixException e) when (e.ErrCode == "M_USER_IN_USE")
        {
            // Two provisionings of one new account raced inside Synapse; it exists now, so this is an update.
            await admin.PutUserAsync(userId, account, ct);
        }

        var isNew = user.UserId is null;
        var provisionedName = user.Name;
        store.ChangeUser(user.Id, u =>
        {
            u.UserId = userId;
            u.ProvisionedName = provisionedName;
            u.Locked = false;
        });
        LogProvisioned(userKey, userId);
        if (isNew)
        {
            backlog.Enqueue(Names.SpaceKey(user.TenantId));
            foreach (var member in store.Members.Find(m => m.UserKey == userKey))
            {
                backlog.Enqueue(member.RoomKey);
            }

            foreach (var dm in store.Rooms.Find(r => r.TenantId == user.TenantId && r.Kind == RoomKind.Dm).Where(r => r.DmUsers.Contains(user.Slug)))
            {
                backlog.Enqueue(dm.Id);
            }
        }
    }

    // Only the reconciler's own fields, on the latest copy: OpenMeet may have changed the room meanwhile.
    private void Save(RoomDoc room, RoomStatus status, string? problem) => store.ChangeRoom(room.Id, r =>
    {
        r.Status = status;
        r.LastReconciledAt = DateTime.UtcNow;
        r.LastError = problem;
    });

    private void RecordFailure(string key, string message) => store.ChangeRoom(key, r =>
    {
        r.LastError = message;
        r.Status = RoomStatus.Failed;
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key} gets a new room instead of {RoomId}: {Why}")]
    private partial void LogRecreating(string key, string roomId, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created room {RoomId} for {Key}")]
    private partial void LogCreated(string key, string roomId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciled {Key} ({RoomId}): {Actions} actions")]
    private partial void LogApplied(string key, string roomId, int actions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provisioned {UserKey} as {UserId}")]
    private partial void LogProvisioned(string userKey, string userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Synapse answers again after {Seconds:0} s: retrying the {Count} keys that failed meanwhile now")]
    private partial void LogRetryingAfterOutage(int count, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Key} waits for {What}")]
    private partial void LogWaiting(string key, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling {Key} failed (attempt {Attempt}), retrying in {Seconds} s: {Reason}")]
    private partial void LogFailed(string key, int attempt, double seconds, string reason);
}
