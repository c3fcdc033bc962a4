using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Internal;

/// <summary>The calls OpenMeet's API makes about Matrix rooms: ensure a room, override a level, a DM, a reconcile.</summary>
public static class MatrixRoutes
{
    private static readonly TimeSpan RoomWait = TimeSpan.FromSeconds(30);

    public static RouteGroupBuilder MapMatrixRoutes(this RouteGroupBuilder api)
    {
        api.MapPost("/matrix/rooms", EnsureRoom)
            .WithSummary("Ensure an event's or group's room exists")
            .WithDescription("Answers once the room exists (up to 30 s), with its id and alias. `creatorSlug`, if given, becomes " +
                "the event's host or the group's owner unless OpenMeet gave them a role already.")
            .Takes<RoomRequest>().Produces<RoomReply>().Fails("not_found", "unknown_entity", "entity_deleted", "room_not_ready");
        api.MapPost("/matrix/permissions", SetPermission)
            .WithSummary("Override a person's power level in a room")
            .WithDescription("`powerLevel` 0, 50 or 100 wins over the role mapping until cleared with null.")
            .Takes<PermissionRequest>().Produces<PermissionReply>().Fails("unknown_room");
        api.MapPost("/matrix/dms", EnsureDm)
            .WithSummary("Ensure the direct-message room of two people")
            .WithDescription("One room per pair, made on the first call and reused after; answers once it exists (up to 30 s).")
            .Takes<DmRequest>().Produces<RoomReply>().Fails("unknown_tenant", "unknown_user", "room_not_ready");
        api.MapPost("/reconcile", Reconcile)
            .WithSummary("Reconcile rooms now, or show the plan")
            .WithDescription("With `dryRun`, or for one event or group (tenantId, entityType, entitySlug): the plan of each room (200), " +
                "carried out unless a dry run. For a tenant or everything without `dryRun`: a job is started (202, Location " +
                "/internal/reconcile/{jobId}).")
            .Takes<ReconcileRequest>().Produces<ReconcileReply>().Produces<ReconcileJobReport>(StatusCodes.Status202Accepted)
            .Fails("unknown_tenant", "unknown_entity");
        api.MapGet("/reconcile/{jobId}", (string jobId, ReconcileJobs jobs) => jobs.Find(jobId) is { } job
            ? (IResult)TypedResults.Json(job.Report(), AppJsonContext.Default.ReconcileJobReport)
            : Errors.Api(404, "unknown_job", $"no reconcile job {jobId} (the last 50 are kept, until a restart)"))
            .WithSummary("A reconcile job's progress")
            .Produces<ReconcileJobReport>().Fails("unknown_job");
        return api;
    }

    private static async Task<IResult> EnsureRoom(HttpRequest request, Store store, Reconciler reconciler, RoomAliases aliases, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync(request, AppJsonContext.Default.RoomRequest);
        if (error is not null)
        {
            return error;
        }

        if (body!.TenantId is null || body.EntityType is null || body.EntitySlug is null)
        {
            return JsonBody.Invalid(body.TenantId is null ? "tenantId" : body.EntityType is null ? "entityType" : "entitySlug", "required");
        }

        if (EntityRoutes.Find(store, body.TenantId, body.EntityType + "s", body.EntitySlug, out var room) is { } problem)
        {
            return problem;
        }

        if (room.Deleted)
        {
            return Errors.Api(409, "entity_deleted", $"{body.EntityType} '{body.EntitySlug}' was deleted: its room is closed");
        }

        if (body.CreatorSlug is { } creator)
        {
            if (!Names.IsValid(creator))
            {
                return TenantRoutes.BadName("creatorSlug", creator);
            }

            // The creator hosts or owns what they created, unless OpenMeet said otherwise already.
            var id = Names.MemberKey(room.Id, creator);
            if (store.Members.FindById(id) is null)
            {
                store.Members.Insert(new MemberDoc
                {
                    Id = id, RoomKey = room.Id, UserKey = Names.UserKey(room.TenantId, creator), UserSlug = creator,
                    Role = room.Kind == RoomKind.Event ? "host" : "owner", UpdatedAt = DateTime.UtcNow,
                });
            }
        }

        return await reconciler.EnsureRoomAsync(room.Id, RoomWait, ct) is { } roomId
            ? TypedResults.Json(new RoomReply(roomId, aliases.For(room.TenantId, room.Kind, room.Slug)), AppJsonContext.Default.RoomReply)
            : NotReady(room.Id);
    }

    private static async Task<IResult> SetPermission(HttpRequest request, Store store, ReconcileBacklog backlog)
    {
        var (body, error) = await JsonBody.ReadAsync(request, AppJsonContext.Default.PermissionRequest);
        if (error is not null)
        {
            return error;
        }

        if (body!.TenantId is null || body.RoomId is null || body.UserSlug is null)
        {
            return JsonBody.Invalid(body.TenantId is null ? "tenantId" : body.RoomId is null ? "roomId" : "userSlug", "required");
        }

        if (body.PowerLevel is not (null or 0 or 50 or 100))
        {
            return JsonBody.Invalid("powerLevel", $"expected 0, 50 or 100 (or null to clear the override), got {body.PowerLevel}");
        }

        // Another tenant's room is answered exactly like a room that does not exist.
        if (store.Rooms.FindOne(r => r.RoomId == body.RoomId) is not { } room || room.TenantId != body.TenantId)
        {
            return Errors.Api(404, "unknown_room", $"tenant {body.TenantId} has no managed room {body.RoomId}");
        }

        var id = Names.MemberKey(room.Id, body.UserSlug);
        if (body.PowerLevel is { } level)
        {
            store.Overrides.Upsert(new OverrideDoc { Id = id, RoomKey = room.Id, UserSlug = body.UserSlug, PowerLevel = level, UpdatedAt = DateTime.UtcNow });
        }
        else
        {
            store.Overrides.Delete(id);
        }

        backlog.Enqueue(ReconcileKey.Room(room.Id));
        return TypedResults.Json(new PermissionReply(body.RoomId, body.UserSlug, body.PowerLevel), AppJsonContext.Default.PermissionReply);
    }

    private static async Task<IResult> EnsureDm(HttpRequest request, Store store, Reconciler reconciler, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync(request, AppJsonContext.Default.DmRequest);
        if (error is not null)
        {
            return error;
        }

        if (body!.TenantId is null || store.Tenants.FindById(body.TenantId) is null)
        {
            return body.TenantId is null ? JsonBody.Invalid("tenantId", "required") : TenantRoutes.UnknownTenant(body.TenantId);
        }

        if (body.UserSlugs is not [var a, var b] || a == b)
        {
            return JsonBody.Invalid("userSlugs", "expected two different user slugs");
        }

        foreach (var slug in new[] { a, b })
        {
            if (store.Users.FindById(Names.UserKey(body.TenantId, slug)) is null)
            {
                return Errors.Api(404, "unknown_user", $"tenant {body.TenantId} has no user {slug}");
            }
        }

        var key = Names.DmKey(body.TenantId, a, b);
        if (store.Rooms.FindById(key) is null)
        {
            store.ChangeRoom(key, _ => { }, () => new RoomDoc
            {
                Id = key, TenantId = body.TenantId, Kind = RoomKind.Dm, DmUsers = [.. new[] { a, b }.Order(StringComparer.Ordinal)], UpdatedAt = DateTime.UtcNow,
            });
        }

        return await reconciler.EnsureRoomAsync(key, RoomWait, ct) is { } roomId
            ? TypedResults.Json(new RoomReply(roomId, null), AppJsonContext.Default.RoomReply)
            : NotReady(key);
    }

    private static async Task<IResult> Reconcile(HttpRequest request, Store store, Reconciler reconciler, ReconcileJobs jobs, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync(request, AppJsonContext.Default.ReconcileRequest);
        if (error is not null)
        {
            return error;
        }

        RoomKind? kind = null;
        if (body!.EntityType is not null && (Names.EntityKind(body.EntityType) is not { } k || body.EntityType.EndsWith('s')))
        {
            return JsonBody.Invalid("entityType", $"expected 'event' or 'group', got '{body.EntityType}'");
        }
        else if (body.EntityType is not null)
        {
            kind = Names.EntityKind(body.EntityType);
        }

        if (body.EntitySlug is not null && (kind is null || body.TenantId is null))
        {
            return JsonBody.Invalid("entitySlug", "needs tenantId and entityType too");
        }

        if (body.TenantId is not null && store.Tenants.FindById(body.TenantId) is null)
        {
            return TenantRoutes.UnknownTenant(body.TenantId);
        }

        var rooms = store.Rooms.FindAll()
            .Where(r => body.TenantId is null || r.TenantId == body.TenantId)
            .Where(r => kind is null || r.Kind == kind)
            .Where(r => body.EntitySlug is null || r.Slug == body.EntitySlug)
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        if (body.EntitySlug is not null && rooms.Count == 0)
        {
            return Errors.Api(404, "unknown_entity", $"tenant {body.TenantId} has no {body.EntityType} '{body.EntitySlug}'");
        }

        var dryRun = body.DryRun ?? false;
        if (!dryRun && body.EntitySlug is null)
        {
            // Many rooms: started at once, without reading each from Synapse first; the job tells how it goes.
            var job = jobs.Start(body.TenantId ?? "everything", rooms);
            request.HttpContext.Response.Headers.Location = $"/internal/reconcile/{job.Id}";
            return TypedResults.Json(job.Report(), AppJsonContext.Default.ReconcileJobReport, statusCode: StatusCodes.Status202Accepted);
        }

        var plan = new List<PlannedRoom>();
        foreach (var room in rooms)
        {
            var (_, _, p) = await reconciler.PreviewAsync(room, ct);
            plan.Add(new PlannedRoom(room.Id, room.RoomId, [.. p.Actions.Select(a => a.Describe())], p.Unfixable));
        }

        if (!dryRun)
        {
            rooms.ForEach(reconciler.ReconcileAfresh);
        }

        return TypedResults.Json(new ReconcileReply(dryRun, plan.Count, plan.Sum(p => p.Actions.Count), plan), AppJsonContext.Default.ReconcileReply);
    }

    private static IResult NotReady(string key) =>
        Errors.Api(504, "room_not_ready", $"the room for {key} does not exist yet; it is being reconciled, ask again or see GET .../room");
}
