using System.Text.RegularExpressions;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Internal;

/// <summary>PUT tenants and their users: OpenMeet's desired state, stored, then reconciled in the background.</summary>
public static partial class TenantRoutes
{
    public static RouteGroupBuilder MapTenantRoutes(this RouteGroupBuilder api)
    {
        api.MapPut("/tenants/{tenantId}", PutTenant);
        api.MapPut("/tenants/{tenantId}/users/{userSlug}", PutUser);
        api.MapDelete("/tenants/{tenantId}/users/{userSlug}", DeleteUser);
        return api;
    }

    private static async Task<IResult> PutTenant(string tenantId, HttpRequest request, Store store, ReconcileBacklog backlog)
    {
        if (!Names.IsValid(tenantId))
        {
            return BadName("tenantId", tenantId);
        }

        var (body, error) = await JsonBody.ReadAsync(request, AppJsonContext.Default.TenantBody);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(body!.Name))
        {
            return JsonBody.Invalid("name", "required, the tenant's name");
        }

        var now = DateTime.UtcNow;
        store.Tenants.Upsert(new TenantDoc { Id = tenantId, Name = body.Name.Trim(), Domain = body.Domain, UpdatedAt = now });
        var spaceKey = Names.SpaceKey(tenantId);
        if (store.Rooms.FindById(spaceKey) is null)
        {
            store.Rooms.Insert(new RoomDoc { Id = spaceKey, TenantId = tenantId, Kind = RoomKind.Space, UpdatedAt = now });
        }

        backlog.EnqueueSoon(spaceKey);
        return TypedResults.Json(new TenantReply(tenantId, body.Name.Trim(), body.Domain), AppJsonContext.Default.TenantReply);
    }

    private static async Task<IResult> PutUser(string tenantId, string userSlug, HttpRequest request, Store store, ReconcileBacklog backlog)
    {
        if (store.Tenants.FindById(tenantId) is null)
        {
            return UnknownTenant(tenantId);
        }

        if (!Names.IsValid(userSlug))
        {
            return BadName("userSlug", userSlug);
        }

        var (body, error) = await JsonBody.ReadAsync(request, AppJsonContext.Default.UserBody);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(body!.Name))
        {
            return JsonBody.Invalid("name", "required, the person's display name");
        }

        if (body.Password is not null)
        {
            return JsonBody.Invalid("password", "local sign-in is not enabled on this service");
        }

        var key = Names.UserKey(tenantId, userSlug);
        var user = store.Users.FindById(key) ?? new UserDoc { Id = key, TenantId = tenantId, Slug = userSlug };
        var handle = body.Handle?.ToLowerInvariant();
        if (handle is not null && handle != user.Handle)
        {
            if (!Handle().IsMatch(handle))
            {
                return JsonBody.Invalid("handle", "3 to 64 of a-z 0-9 . _ = -, not starting with . _ or -");
            }

            if (user.Handle is not null)
            {
                return Errors.Api(409, "handle_permanent", $"{userSlug} has the handle '{user.Handle}' already; handles are permanent");
            }

            if (store.Users.Exists(u => u.Handle == handle))
            {
                return Errors.Api(409, "handle_taken", $"the handle '{handle}' is taken");
            }

            user.Handle = handle;
        }

        user.Name = body.Name.Trim();
        user.Email = body.Email;
        user.UpdatedAt = DateTime.UtcNow;
        store.Users.Upsert(user);
        backlog.EnqueueSoon(Reconciler.UserKeyPrefix + key);
        return TypedResults.Json(Reply(user), AppJsonContext.Default.UserReply);
    }

    private static IResult DeleteUser(string tenantId, string userSlug, Store store, ReconcileBacklog backlog)
    {
        if (store.Users.FindById(Names.UserKey(tenantId, userSlug)) is not { } user)
        {
            return Errors.Api(404, "unknown_user", $"tenant {tenantId} has no user {userSlug}");
        }

        user.Revoked = true;
        user.UpdatedAt = DateTime.UtcNow;
        store.Users.Update(user);
        backlog.EnqueueSoon(Names.SpaceKey(tenantId));
        foreach (var member in store.Members.Find(m => m.UserKey == user.Id))
        {
            backlog.EnqueueSoon(member.RoomKey);
        }

        return TypedResults.Json(Reply(user), AppJsonContext.Default.UserReply);
    }

    private static UserReply Reply(UserDoc u) => new(u.TenantId, u.Slug, u.Name, u.Handle, u.UserId, u.Revoked);

    public static IResult UnknownTenant(string tenantId) =>
        Errors.Api(404, "unknown_tenant", $"no tenant '{tenantId}': PUT /internal/tenants/{tenantId} first");

    public static IResult BadName(string field, string value) =>
        JsonBody.Invalid(field, $"'{value}' is not valid: 1 to 100 of A-Z a-z 0-9 . _ ~ -, starting with a letter or digit");

    [GeneratedRegex("^[a-z0-9=][a-z0-9._=-]{2,63}$")]
    private static partial Regex Handle();
}
