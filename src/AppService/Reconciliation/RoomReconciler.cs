using System.Text.Json.Nodes;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Reconciling one room (controller-runtime's <c>Reconcile</c> for a room key): OpenMeet's wish and the
/// room as observed go through the planner, and the plan is applied. Creates the room first where
/// there is none, makes a new one where the server lost it, enters it where the bot is out. Called by
/// the <see cref="Reconciler"/>'s workers only, so one room is never reconciled twice at once.
/// </summary>
public sealed partial class RoomReconciler(
    ReconcileBacklog backlog,
    Store store,
    ObservedRooms observed,
    DesiredRooms desiredRooms,
    MatrixClient matrix,
    SynapseAdmin admin,
    RoomAliases aliases,
    AppConfig config,
    AuditLog audit,
    ILogger<RoomReconciler> logger)
{
    public Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct) => ReconcileAsync(key, afresh: false, ct);

    private async Task<ReconcileResult> ReconcileAsync(string key, bool afresh, CancellationToken ct)
    {
        if (store.Rooms.FindById(key) is not { } room || store.Tenants.FindById(room.TenantId) is not { } tenant)
        {
            return ReconcileResult.Done;
        }

        string? spaceRoomId = null;
        if (room.Kind is RoomKind.Event or RoomKind.Group)
        {
            spaceRoomId = store.Rooms.FindById(Names.SpaceKey(room.TenantId))?.RoomId;
            if (spaceRoomId is null)
            {
                return ReconcileResult.After(ReconcileKey.Room(Names.SpaceKey(room.TenantId)));
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
                Save(room, RoomStatus.Closed, null, null);
                return ReconcileResult.Done;
            }

            await CreateAsync(room, tenant, spaceRoomId, ct);
        }

        if (await ReadAsync(room, tenant, spaceRoomId, ct) is not { } current)
        {
            // The server lost the room: once more from the start, which makes a new one (or closes the entity's).
            return afresh ? throw new InvalidOperationException($"the new room of {key} is not on the server either") : await ReconcileAsync(key, afresh: true, ct);
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

        var converged = plan.Unfixable.Count == 0 ? RoomFingerprint.Of(room, desired) : null;
        Save(room, room.Deleted ? RoomStatus.Closed : RoomStatus.Ready, plan.Unfixable.Count > 0 ? string.Join("; ", plan.Unfixable) : null, converged);
        if (room.Deleted && converged is not null)
        {
            // A closed room is not reconciled again unless someone changes it: its state need not be kept.
            observed.Invalidate(room.RoomId!);
        }
        if (room.Kind is RoomKind.Event or RoomKind.Group && plan.Actions.Any(a => a is SetState { Type: RoomState.ClosedType }))
        {
            backlog.Enqueue(ReconcileKey.Room(Names.SpaceKey(room.TenantId)));
        }

        return ReconcileResult.Done;
    }

    /// <summary>The digest of what OpenMeet wants of the room now (no Synapse call), to compare with <see cref="RoomDoc.Converged"/>.</summary>
    public string? Fingerprint(RoomDoc room)
    {
        if (store.Tenants.FindById(room.TenantId) is not { } tenant)
        {
            return null;
        }

        var spaceRoomId = room.Kind is RoomKind.Event or RoomKind.Group ? store.Rooms.FindById(Names.SpaceKey(room.TenantId))?.RoomId : null;
        return RoomFingerprint.Of(room, desiredRooms.Build(room, tenant, spaceRoomId, ObservedRoom.Empty("")));
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

    // The room as observed, with the bot in it; null when the server no longer has it or nobody is in
    // it (it is forgotten, to be made again). One the bot is not in (it left, or was removed from an older
    // room) is entered again.
    private async Task<ObservedRoom?> ReadAsync(RoomDoc room, TenantDoc tenant, string? spaceRoomId, CancellationToken ct)
    {
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
                return null;
            }

            current = ObservedRoom.Empty(room.RoomId!);
        }

        if (current.Membership(matrix.BotUserId) == "join")
        {
            return current;
        }

        if (!await EnterAsync(room, ct))
        {
            // Nobody is in it: everyone left, or Synapse stopped while it was making the room and the
            // room never got its members. Nobody can let the bot in again.
            await ForgetRoomAsync(room, tenant, spaceRoomId, $"nobody is in {room.RoomId}: Synapse has no member to join it through", everyoneLeft: true, ct);
            return null;
        }

        return await observed.GetAsync(room.RoomId!, ct);
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

            if (room.Kind == RoomKind.Space)
            {
                foreach (var user in store.Users.Find(u => u.TenantId == room.TenantId && u.LeftSpace))
                {
                    store.ChangeUser(user.Id, u => u.LeftSpace = false);
                }
            }
        }

        store.ChangeRoom(room.Id, r =>
        {
            r.RoomId = null;
            r.ReplaceRequested = false;
            r.Status = RoomStatus.Pending;
            r.Converged = null;
            r.LastError = $"{why}; a new room is made";
            r.UpdatedAt = DateTime.UtcNow;
        });
        room.RoomId = null;
        room.ReplaceRequested = false;
        audit.Record("reconciler", "re-create room", room.Id, "ok", why);
        LogRecreating(room.Id, old, why);
        if (room.Kind is RoomKind.Event or RoomKind.Group)
        {
            backlog.Enqueue(ReconcileKey.Room(Names.SpaceKey(room.TenantId)));
        }
    }

    // The bot joins a room it is not in; false when nobody is in the room (Synapse answers 404: it has
    // no member to join through). A room it cannot enter any more (private, and nobody invites it) is
    // reported with the two ways out, and tried again with backoff: an invite from the room will do.
    private async Task<bool> EnterAsync(RoomDoc room, CancellationToken ct)
    {
        try
        {
            await matrix.JoinAsync(room.RoomId!, ct);
            observed.Invalidate(room.RoomId!);
            return true;
        }
        catch (MatrixException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (MatrixException e) when (e.Status == System.Net.HttpStatusCode.Forbidden)
        {
            throw new InvalidOperationException(
                $"the bot cannot enter {room.RoomId} ({e.ErrCode} {e.Error}). To fix it, invite {matrix.BotUserId} from the room, "
                + $"or give the bot the command 'recreate {room.Id}' for a new room under its alias (the old room keeps its people and history)", e);
        }
    }

    // One createRoom carrying what it can; the room it makes is kept in the cache as asked for, not read
    // back. The members of an event or group room are invited by it (the planner's invites, so its tenant
    // check holds); a DM or a space has no alias to find the room by if an invite failed after Synapse
    // made it, so theirs are sent afterwards.
    private async Task CreateAsync(RoomDoc room, TenantDoc tenant, string? spaceRoomId, CancellationToken ct)
    {
        var desired = desiredRooms.Build(room, tenant, spaceRoomId, ObservedRoom.Empty(""));
        var request = RoomCreation.Request(desired, aliases, room, config.Reconciler.Encryption);
        if (room.Kind is RoomKind.Event or RoomKind.Group)
        {
            RoomCreation.AddInvites(request, Planner.Plan(desired, RoomCreation.Made("", request, matrix.BotUserId, config.Homeserver.ServerName))
                .Actions.OfType<Invite>().Select(i => i.UserId));
        }

        string roomId;
        try
        {
            roomId = await matrix.CreateRoomAsync(request, ct);
            observed.Created(RoomCreation.Made(roomId, request, matrix.BotUserId, config.Homeserver.ServerName));
        }
        catch (MatrixException e) when (e.ErrCode == "M_ROOM_IN_USE" && desired.Alias is not null)
        {
            // An earlier attempt created the room but did not live to record it: it is read, not assumed.
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
        if (spaceRoomId is not null)
        {
            await AddToSpaceAsync(room, spaceRoomId, roomId, ct);
        }
    }

    // A new room joins its space by one state event, not by a reconcile of the space, which reads every
    // room and person of the tenant. Should that fail, the space's reconcile adds it.
    private async Task AddToSpaceAsync(RoomDoc room, string spaceRoomId, string roomId, CancellationToken ct)
    {
        var child = new SetState("m.space.child", roomId, new() { ["via"] = new JsonArray(config.Homeserver.ServerName) }, "room of this tenant");
        try
        {
            await matrix.SetStateAsync(spaceRoomId, child.Type, child.StateKey, child.Content, ct);
            observed.Applied(spaceRoomId, child);
            // The space's stored digest no longer holds (it lists the children): the sweep at the next start looks at it.
            store.ChangeRoom(Names.SpaceKey(room.TenantId), r => r.Converged = null);
        }
        catch (Exception e) when (e is MatrixException or HttpRequestException)
        {
            backlog.Enqueue(ReconcileKey.Room(Names.SpaceKey(room.TenantId)));
        }
    }

    private Task ApplyAsync(RoomDoc room, RoomAction action, CancellationToken ct) => action switch
    {
        SetState s => matrix.SetStateAsync(room.RoomId!, s.Type, s.StateKey, s.Content, ct),
        Invite i => matrix.InviteAsync(room.RoomId!, i.UserId, ct),
        ForceJoin j => admin.ForceJoinAsync(room.RoomId!, j.UserId, ct),
        JoinBot => EnterOrFailAsync(room, ct),
        Kick k => matrix.KickAsync(room.RoomId!, k.UserId, k.Reason, ct),
        RemoveAlias a => matrix.DeleteAliasAsync(a.Alias, ct),
        _ => throw new InvalidOperationException($"no way to apply {action}"),
    };

    // The plan's rejoin: the room was read, so someone is in it; a 404 now is Synapse's refusal like any other.
    private async Task EnterOrFailAsync(RoomDoc room, CancellationToken ct)
    {
        if (!await EnterAsync(room, ct))
        {
            throw new InvalidOperationException($"the bot cannot enter {room.RoomId}: Synapse has no member to join it through");
        }
    }

    // Only the reconciler's own fields, on the latest copy: OpenMeet may have changed the room meanwhile.
    private void Save(RoomDoc room, RoomStatus status, string? problem, string? converged) => store.ChangeRoom(room.Id, r =>
    {
        r.Status = status;
        r.LastReconciledAt = DateTime.UtcNow;
        r.LastError = problem;
        r.Converged = converged;
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key} gets a new room instead of {RoomId}: {Why}")]
    private partial void LogRecreating(string key, string roomId, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created room {RoomId} for {Key}")]
    private partial void LogCreated(string key, string roomId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciled {Key} ({RoomId}): {Actions} actions")]
    private partial void LogApplied(string key, string roomId, int actions);
}
