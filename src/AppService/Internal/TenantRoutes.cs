using System.Text.Json.Serialization.Metadata;
using LiteDB;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Internal;

/// <summary>PUT tenants and their users: OpenMeet's desired state, stored, then reconciled in the background.</summary>
public static class TenantRoutes
{
    public static RouteGroupBuilder MapTenantRoutes(this RouteGroupBuilder api)
    {
        api.MapPut("/tenants/{tenantId}", PutTenant)
            .WithSummary("Create or update a tenant")
            .WithDescription("Stores the tenant and its Matrix space, then reconciles the space in the background.")
            .Takes<TenantBody>().Produces<TenantReply>();
        api.MapPut("/tenants/{tenantId}/users/{userSlug}", PutUser)
            .WithSummary("Create or update a person")
            .WithDescription("Stores the person; their Matrix account is made or updated in the background. A handle is claimed " +
                "at once and permanently (409 if it cannot be had, and then nothing else is written). `password` only where " +
                "local sign-in is enabled (`oidc.local_login`); `revoked: false` lifts a revocation.")
            .Takes<UserBody>().Produces<UserReply>()
            .Fails("unknown_tenant", "invalid_handle", "handle_taken", "handle_permanent");
        api.MapGet("/tenants/{tenantId}/users/{userSlug}", GetUser)
            .WithSummary("Read a person")
            .WithDescription("The person as stored, their Matrix id once the account exists, and how far a revocation has got.")
            .Produces<UserReply>().Fails("unknown_user");
        api.MapDelete("/tenants/{tenantId}/users/{userSlug}", DeleteUser)
            .WithSummary("Revoke a person's Matrix access")
            .WithDescription("Answered at once (202); the account is locked, its sessions ended and the person taken out of " +
                "managed rooms in the background, with retries, across restarts and Synapse outages. `revocation` tells how far it has got.")
            .Produces<UserReply>(StatusCodes.Status202Accepted).Fails("unknown_user");
        return api;
    }

    private static async Task<IResult> PutTenant(string tenantId, HttpRequest request, Store store, LiteDatabase db, ReconcileBacklog backlog)
    {
        var (body, name, error) = await ReadNamedAsync(request, "tenantId", tenantId, AppJsonContext.Default.TenantBody, b => b.Name,
            "required, the tenant's name");
        if (error is not null)
        {
            return error;
        }

        // The tenant and its space together or not at all: a write refused halfway leaves neither.
        var now = DateTime.UtcNow;
        var spaceKey = Names.SpaceKey(tenantId);
        db.BeginTrans();
        try
        {
            store.Tenants.Upsert(new TenantDoc { Id = tenantId, Name = name, Domain = body!.Domain, UpdatedAt = now });
            if (store.Rooms.FindById(spaceKey) is null)
            {
                store.ChangeRoom(spaceKey, _ => { }, () => new RoomDoc { Id = spaceKey, TenantId = tenantId, Kind = RoomKind.Space, UpdatedAt = now });
            }

            db.Commit();
        }
        catch
        {
            db.Rollback();
            throw;
        }

        backlog.Enqueue(ReconcileKey.Room(spaceKey));
        return TypedResults.Json(new TenantReply(tenantId, name, body.Domain), AppJsonContext.Default.TenantReply);
    }

    private static async Task<IResult> PutUser(string tenantId, string userSlug, HttpRequest request, Store store, ReconcileBacklog backlog,
        HandleClaims claims, AppConfig config, Revocation revocation, CancellationToken ct)
    {
        if (store.Tenants.FindById(tenantId) is null)
        {
            return UnknownTenant(tenantId);
        }

        var (body, name, error) = await ReadNamedAsync(request, "userSlug", userSlug, AppJsonContext.Default.UserBody, b => b.Name,
            "required, the person's display name");
        if (error is not null)
        {
            return error;
        }

        if (body!.Password is not null && !(config.Oidc.Enabled && config.Oidc.LocalLogin))
        {
            return JsonBody.Invalid("password", "local sign-in is not enabled on this service (oidc.local_login)");
        }

        if (body.Password is { Length: < 8 })
        {
            return JsonBody.Invalid("password", "at least 8 characters");
        }

        if (body.Revoked is true)
        {
            return JsonBody.Invalid("revoked", "only false, to lift a revocation; DELETE the user to revoke");
        }

        // The handle first: if it cannot be had, nothing else of the request is written either.
        var key = Names.UserKey(tenantId, userSlug);
        if (body.Handle is not null)
        {
            var outcome = await claims.ClaimAsync(key, body.Handle, "internal-api", ct);
            switch (outcome.Status)
            {
                case ClaimStatus.Invalid:
                    return Errors.Api(400, "invalid_handle", $"handle: {outcome.Reason}");
                case ClaimStatus.Taken:
                    return Errors.Api(409, "handle_taken", outcome.Reason!);
                case ClaimStatus.HasAnother:
                    return Errors.Api(409, "handle_permanent", $"{userSlug} has the handle '{outcome.Handle}' already; handles are permanent");
            }
        }

        var handle = claims.ActiveHandleOf(key);
        var passwordHash = body.Password is null ? null : SignIn.Passwords.Hash(body.Password);
        var lifted = false;
        var user = store.ChangeUser(key, u =>
        {
            u.Name = name;
            u.Email = body.Email;
            // OpenMeet's own server vouches for what it sets here, as it does for what it signs.
            u.EmailVerified = body.Email is { Length: > 0 };
            u.Handle ??= handle;
            u.PasswordHash = passwordHash ?? u.PasswordHash;
            // A revocation is lifted only when asked for in so many words, never by an update of the profile.
            lifted = body.Revoked is false && u.Revoked;
            u.Revoked &= !lifted;
            u.UpdatedAt = DateTime.UtcNow;
        }, () => new UserDoc { Id = key, TenantId = tenantId, Slug = userSlug })!;
        if (lifted)
        {
            revocation.Lifted(user, "internal-api");
        }
        else
        {
            backlog.Enqueue(ReconcileKey.Account(key));
        }

        return TypedResults.Json(Reply(user), AppJsonContext.Default.UserReply);
    }

    /// <summary>
    /// What both PUTs open with, in this order: the name in the route, the JSON body, a name in the
    /// body. Gives the body and its trimmed name, or the error to answer with.
    /// </summary>
    private static async Task<(T? Body, string Name, IResult? Error)> ReadNamedAsync<T>(HttpRequest request, string field, string value,
        JsonTypeInfo<T> type, Func<T, string?> nameIn, string nameRequired)
        where T : class
    {
        if (!Names.IsValid(value))
        {
            return (null, "", BadName(field, value));
        }

        var (body, error) = await JsonBody.ReadAsync(request, type);
        if (error is not null)
        {
            return (null, "", error);
        }

        var name = nameIn(body!);
        return string.IsNullOrWhiteSpace(name) ? (null, "", JsonBody.Invalid("name", nameRequired)) : (body, name.Trim(), null);
    }

    private static IResult GetUser(string tenantId, string userSlug, Store store) =>
        store.Users.FindById(Names.UserKey(tenantId, userSlug)) is { } user
            ? TypedResults.Json(Reply(user), AppJsonContext.Default.UserReply)
            : Errors.Api(404, "unknown_user", $"tenant {tenantId} has no user {userSlug}");

    // Answered at once: the reconciler carries the revocation out, step by step, with retries.
    private static IResult DeleteUser(string tenantId, string userSlug, Revocation revocation) =>
        revocation.Revoke(Names.UserKey(tenantId, userSlug), "internal-api") is { } user
            ? TypedResults.Json(Reply(user), AppJsonContext.Default.UserReply, statusCode: 202)
            : Errors.Api(404, "unknown_user", $"tenant {tenantId} has no user {userSlug}");

    private static UserReply Reply(UserDoc u) => new(u.TenantId, u.Slug, u.Name, u.Handle, u.UserId, u.Revoked,
        u.Revoked ? Steps(u) : null);

    private static RevocationSteps Steps(UserDoc u)
    {
        var locked = u.Locked || u.UserId is null;
        return new RevocationSteps(locked, u.SessionsEnded, locked && u.SessionsEnded);
    }

    public static IResult UnknownTenant(string tenantId) =>
        Errors.Api(404, "unknown_tenant", $"no tenant '{tenantId}': PUT /internal/tenants/{tenantId} first");

    public static IResult BadName(string field, string value) =>
        JsonBody.Invalid(field, $"'{value}' is not valid: 1 to 100 of A-Z a-z 0-9 . _ ~ -, starting with a letter or digit");
}
