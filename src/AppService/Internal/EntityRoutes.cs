using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Internal;

/// <summary>Events, groups and their members; and how each one's room stands.</summary>
public static class EntityRoutes
{
    public static RouteGroupBuilder MapEntityRoutes(this RouteGroupBuilder api)
    {
        api.MapPut("/tenants/{tenantId}/{kind}/{slug}", PutEntity)
            .WithSummary("Create or update an event or group")
            .WithDescription("Stores the event or group (`kind` is events or groups); its room is made or brought in line in the " +
                "background. `visibility` is public or private. A deleted one PUT again is opened again.")
            .Takes<EntityBody>().Produces<EntityReply>().Fails("not_found", "unknown_tenant");
        api.MapDelete("/tenants/{tenantId}/{kind}/{slug}", DeleteEntity)
            .WithSummary("Close an event's or group's room")
            .WithDescription("Marks it deleted; in the background the members are removed, the alias is removed and the room is closed.")
            .Produces<EntityReply>().Fails("not_found", "unknown_entity");
        api.MapPut("/tenants/{tenantId}/{kind}/{slug}/members/{userSlug}", PutMember)
            .WithSummary("Add a member or change their role")
            .WithDescription("Event roles: host, moderator, speaker, participant, guest. Group roles: owner, admin, moderator, member, " +
                "guest. The role sets the person's power level in the room; the person may be PUT after this call.")
            .Takes<MemberBody>().Produces<MemberReply>().Fails("not_found", "unknown_tenant", "unknown_role", "user_of_another_tenant");
        api.MapDelete("/tenants/{tenantId}/{kind}/{slug}/members/{userSlug}", DeleteMember)
            .WithSummary("Remove a member")
            .WithDescription("The person is taken out of the room in the background.")
            .Produces(StatusCodes.Status204NoContent).Fails("not_found", "unknown_member");
        api.MapGet("/tenants/{tenantId}/{kind}/{slug}/room", GetRoom)
            .WithSummary("How an event's or group's room stands")
            .WithDescription("`state` is pending, ready, closed or failed; `desired` is what OpenMeet said, `actual` what Synapse has, " +
                "`drift` the differences the next reconcile fixes, `lastError` why a failed room failed.")
            .Produces<RoomReport>().Fails("not_found", "unknown_entity");
        return api;
    }

    private static async Task<IResult> PutEntity(string tenantId, string kind, string slug, HttpRequest request,
        Store store, ReconcileBacklog backlog, RoomAliases aliases)
    {
        if (RouteKind(kind) is not { } roomKind)
        {
            return UnknownKind(kind);
        }

        if (store.Tenants.FindById(tenantId) is null)
        {
            return TenantRoutes.UnknownTenant(tenantId);
        }

        if (!Names.IsValid(slug))
        {
            return TenantRoutes.BadName("slug", slug);
        }

        if (!aliases.Fits(tenantId, roomKind, slug))
        {
            return JsonBody.Invalid("slug", $"too long: the room alias would pass Matrix's {RoomAliases.MaxAliasBytes} bytes");
        }

        var (body, error) = await JsonBody.ReadAsync(request, AppJsonContext.Default.EntityBody);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(body!.Name))
        {
            return JsonBody.Invalid("name", "required, the room's name");
        }

        if (body.Visibility is not ("public" or "private"))
        {
            return JsonBody.Invalid("visibility", $"expected 'public' or 'private', got '{body.Visibility}'");
        }

        var key = Names.EntityKey(tenantId, roomKind, slug);
        var room = store.ChangeRoom(key, r =>
        {
            r.Name = body.Name.Trim();
            r.Topic = body.Topic;
            r.Public = body.Visibility == "public";
            r.Deleted = false;
            r.UpdatedAt = DateTime.UtcNow;
        }, () => new RoomDoc { Id = key, TenantId = tenantId, Kind = roomKind, Slug = slug })!;
        backlog.Enqueue(ReconcileKey.Room(key));
        return TypedResults.Json(Reply(room, aliases), AppJsonContext.Default.EntityReply);
    }

    private static IResult DeleteEntity(string tenantId, string kind, string slug, Store store, ReconcileBacklog backlog, RoomAliases aliases)
    {
        if (Find(store, tenantId, kind, slug, out var room) is { } problem)
        {
            return problem;
        }

        room = store.ChangeRoom(room.Id, r =>
        {
            r.Deleted = true;
            r.UpdatedAt = DateTime.UtcNow;
        }) ?? room;
        backlog.Enqueue(ReconcileKey.Room(room.Id));
        return TypedResults.Json(Reply(room, aliases), AppJsonContext.Default.EntityReply);
    }

    private static async Task<IResult> PutMember(string tenantId, string kind, string slug, string userSlug, HttpRequest request,
        Store store, ReconcileBacklog backlog)
    {
        if (RouteKind(kind) is not { } roomKind)
        {
            return UnknownKind(kind);
        }

        if (store.Tenants.FindById(tenantId) is null)
        {
            return TenantRoutes.UnknownTenant(tenantId);
        }

        if (!Names.IsValid(slug) || !Names.IsValid(userSlug))
        {
            return TenantRoutes.BadName(Names.IsValid(slug) ? "userSlug" : "slug", Names.IsValid(slug) ? userSlug : slug);
        }

        var (body, error) = await JsonBody.ReadAsync(request, AppJsonContext.Default.MemberBody);
        if (error is not null)
        {
            return error;
        }

        var roles = roomKind == RoomKind.Event ? ConfigValidator.EventRoles : ConfigValidator.GroupRoles;
        if (body!.Role is null || !roles.Contains(body.Role))
        {
            return Errors.Api(400, "unknown_role", $"role: '{body.Role}' is not a {Names.Word(roomKind)} role (expected one of {string.Join(", ", roles)})");
        }

        var userKey = Names.UserKey(tenantId, userSlug);
        // A user PUT may still be on its way (ordering races are fine), but a slug known only in
        // another tenant is a mistake: tenants never share rooms.
        if (!store.Users.Exists(u => u.Id == userKey) && store.Users.FindOne(u => u.Slug == userSlug) is { } other)
        {
            return Errors.Api(409, "user_of_another_tenant", $"{userSlug} is a user of tenant {other.TenantId}, not of {tenantId}");
        }

        var roomKey = Names.EntityKey(tenantId, roomKind, slug);
        var id = Names.MemberKey(roomKey, userSlug);
        var member = store.Members.FindById(id);
        if (member is null || member.Role != body.Role)
        {
            store.Members.Upsert(new MemberDoc
            {
                Id = id, RoomKey = roomKey, UserKey = userKey, UserSlug = userSlug, Role = body.Role, OptedOut = false, UpdatedAt = DateTime.UtcNow,
            });
        }

        backlog.Enqueue(ReconcileKey.Room(roomKey));
        return TypedResults.Json(new MemberReply(tenantId, Names.Word(roomKind), slug, userSlug, body.Role), AppJsonContext.Default.MemberReply);
    }

    private static IResult DeleteMember(string tenantId, string kind, string slug, string userSlug, Store store, ReconcileBacklog backlog)
    {
        if (RouteKind(kind) is not { } roomKind)
        {
            return UnknownKind(kind);
        }

        var roomKey = Names.EntityKey(tenantId, roomKind, slug);
        if (!store.Members.Delete(Names.MemberKey(roomKey, userSlug)))
        {
            return Errors.Api(404, "unknown_member", $"{userSlug} is not a member of {Names.Word(roomKind)} {slug} in tenant {tenantId}");
        }

        backlog.Enqueue(ReconcileKey.Room(roomKey));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> GetRoom(string tenantId, string kind, string slug, Store store, Reconciler reconciler,
        RoomAliases aliases, CancellationToken ct)
    {
        if (Find(store, tenantId, kind, slug, out var room) is { } problem)
        {
            return problem;
        }

        return TypedResults.Json(await RoomReports.BuildAsync(room, reconciler, aliases, store, ct), AppJsonContext.Default.RoomReport);
    }

    public static IResult? Find(Store store, string tenantId, string kind, string slug, out RoomDoc room)
    {
        room = null!;
        if (RouteKind(kind) is not { } roomKind)
        {
            return UnknownKind(kind);
        }

        if (store.Rooms.FindById(Names.EntityKey(tenantId, roomKind, slug)) is not { } found)
        {
            return Errors.Api(404, "unknown_entity", $"tenant {tenantId} has no {Names.Word(roomKind)} '{slug}'");
        }

        room = found;
        return null;
    }

    /// <summary>The kind a route segment names: <c>events</c> or <c>groups</c>, nothing else.</summary>
    private static RoomKind? RouteKind(string segment) => segment.EndsWith('s') ? Names.EntityKind(segment) : null;

    private static IResult UnknownKind(string kind) =>
        Errors.Api(404, "not_found", $"'{kind}' is not a kind of entity: expected events or groups");

    private static EntityReply Reply(RoomDoc r, RoomAliases aliases) =>
        new(r.TenantId, Names.Word(r.Kind), r.Slug, r.Name, r.Public ? "public" : "private", r.Topic, aliases.For(r.TenantId, r.Kind, r.Slug), r.Deleted);
}
