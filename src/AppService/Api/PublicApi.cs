using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;
using OpenMeet.AppService.Storage;

namespace OpenMeet.AppService.Api;

/// <summary>The API OpenMeet's web client calls with the person's OpenMeet token.</summary>
public static class PublicApi
{
    private const string CheckPolicy = "handle-check";
    private const string CredentialsPolicy = "credentials";
    private static readonly TimeSpan SynapseWait = TimeSpan.FromSeconds(15);

    public static IServiceCollection AddPublicApi(this IServiceCollection services, AppConfig config)
    {
        services.AddOpenMeetAuth(config);
        services.AddSingleton<Credentials>();
        services.AddHttpClient(Credentials.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(15));
        services.AddSingleton<CredentialMetrics>();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(CheckPolicy, http => PerCaller(http, 60));
            o.AddPolicy(CredentialsPolicy, http => PerCaller(http, 10));
            o.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await Errors.Api(429, "rate_limited", "too many requests; try again in a minute").ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    // Per person (tenant + slug), a fixed window of a minute.
    private static RateLimitPartition<string> PerCaller(HttpContext http, int perMinute) =>
        RateLimitPartition.GetFixedWindowLimiter(
            Caller.From(http.User)?.UserKey ?? http.Connection.RemoteIpAddress?.ToString() ?? "?",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });

    public static IEndpointRouteBuilder MapPublicApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(OpenMeetAuth.Policy).AddEndpointFilter(async (ctx, next) =>
            Caller.From(ctx.HttpContext.User) is null
                ? Errors.Api(403, "forbidden", "the OpenMeet token has no valid 'sub' and 'tenant_id'")
                : await next(ctx)).WritesRefusedWhileStopping().Fails("unauthorized", "forbidden", "database_unavailable");
        api.MapGet("/handles/check", CheckHandle).RequireRateLimiting(CheckPolicy).Fails("rate_limited")
            .WithSummary("May I have this handle?")
            .WithDescription("Whether the caller can have the handle, why not in words, and handles they could have instead. 60 a minute a person.")
            .Produces<HandleCheck>().Fails("invalid_request");
        api.MapPost("/handles", ClaimHandle).RequireRateLimiting(CheckPolicy).Fails("rate_limited")
            .WithSummary("Claim a handle, permanently")
            .WithDescription("The handle becomes the caller's Matrix id (`@handle:server`) for good; claiming the one you have answers 200 again.")
            .Takes<ClaimRequest>().Produces<ClaimRequest>().Fails("invalid_handle", "handle_taken", "handle_permanent");
        api.MapPost("/matrix/credentials", IssueCredentials).RequireRateLimiting(CredentialsPolicy).Fails("rate_limited")
            .WithSummary("A Matrix session for the caller's own account")
            .WithDescription("Logs in to Synapse as the caller (JWT login): a device per OpenMeet session, an expiring, refreshable " +
                "access token. 10 a minute a person.")
            .Produces<CredentialsReply>().Fails("not_configured", "unknown_user", "revoked", "no_handle", "matrix_error", "synapse_unavailable");
        return app;
    }

    private static async Task<IResult> CheckHandle(string? handle, HttpContext http, HandleClaims claims, CancellationToken ct)
    {
        if (handle is null)
        {
            return JsonBody.Invalid("handle", "required, e.g. /api/handles/check?handle=john.doe");
        }

        var caller = Caller.From(http.User)!;
        var check = await claims.CheckAsync(handle, caller.Name, caller.UserKey, ct);
        return TypedResults.Json(check, AppJsonContext.Default.HandleCheck);
    }

    private static async Task<IResult> ClaimHandle(HttpContext http, HandleClaims claims, Store store, ReconcileBacklog backlog, Durability durability, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync(http.Request, AppJsonContext.Default.ClaimRequest);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrWhiteSpace(body!.Handle))
        {
            return JsonBody.Invalid("handle", "required");
        }

        var caller = Caller.From(http.User)!;
        var outcome = await claims.ClaimAsync(caller.UserKey, body.Handle, caller.Actor, ct);
        if (outcome.Status is ClaimStatus.Claimed or ClaimStatus.AlreadyYours)
        {
            durability.Flush(); // a claim is permanent: it survives a power cut once answered
            backlog.Enqueue(ReconcileKey.Account(caller.UserKey));
            return TypedResults.Json(new ClaimRequest(outcome.Handle), AppJsonContext.Default.ClaimRequest);
        }

        return outcome.Status == ClaimStatus.Invalid
            ? Errors.Api(400, "invalid_handle", outcome.Reason!)
            : Errors.Api(409, outcome.Status == ClaimStatus.HasAnother ? "handle_permanent" : "handle_taken", outcome.Reason!);
    }

    private static async Task<IResult> IssueCredentials(HttpContext http, Store store, Reconciler reconciler, Credentials credentials,
        AuditLog audit, AppConfig config, CredentialMetrics metrics, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await IssueAsync(http, store, reconciler, credentials, audit, config, ct);
        metrics.Answered((result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK, Stopwatch.GetElapsedTime(started));
        return result;
    }

    private static async Task<IResult> IssueAsync(HttpContext http, Store store, Reconciler reconciler, Credentials credentials,
        AuditLog audit, AppConfig config, CancellationToken ct)
    {
        var caller = Caller.From(http.User)!;
        if (!credentials.Configured)
        {
            return Errors.Api(503, "not_configured", "homeserver.login_jwt is not set: this service cannot start Matrix sessions");
        }

        if (store.Users.FindById(caller.UserKey) is not { } user)
        {
            return Errors.Api(404, "unknown_user", "OpenMeet has not told this service about you yet");
        }

        if (user.Revoked)
        {
            audit.Record(caller.Actor, "credentials", caller.UserKey, "refused", "revoked");
            return Errors.Api(403, "revoked", "your Matrix access has been revoked");
        }

        if (user.Handle is not { } handle)
        {
            return Errors.Api(409, "no_handle", "choose a handle first: POST /api/handles");
        }

        var session = http.User.FindFirst("sid")?.Value ?? http.User.FindFirst("jti")?.Value ?? "web";
        var deviceId = Credentials.DeviceFor(caller.UserKey, session);
        // The web client waits for this answer: while Synapse is away (the account's provisioning waits
        // for it too) it gets a 503 in bounded time, not a request that hangs.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(SynapseWait);
        try
        {
            if (user.UserId is null)
            {
                await reconciler.EnsureAccountAsync(user.Id, bounded.Token);
                user = store.Users.FindById(user.Id)!;
            }

            var login = await credentials.LoginAsync(user.Id, handle, deviceId, bounded.Token);
            audit.Record(caller.Actor, "credentials", user.UserId!, "ok", $"device {deviceId}");
            return TypedResults.Json(new CredentialsReply(
                login.UserId, login.AccessToken, login.DeviceId,
                config.Homeserver.PublicUrl.Length > 0 ? config.Homeserver.PublicUrl : config.Homeserver.Url,
                login.RefreshToken, login.ExpiresInMs, credentials.Refresh?.TokenEndpoint, credentials.Refresh?.ClientId), AppJsonContext.Default.CredentialsReply);
        }
        catch (MatrixException e)
        {
            audit.Record(caller.Actor, "credentials", user.UserId ?? user.Id, "failed", e.ErrCode);
            return Errors.Api(502, "matrix_error", $"Synapse refused the session: {e.ErrCode} {e.Error}");
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            audit.Record(caller.Actor, "credentials", user.UserId ?? user.Id, "failed", "synapse_unavailable");
            http.Response.Headers.RetryAfter = "10";
            return Errors.Api(503, "synapse_unavailable", $"Synapse did not answer within {SynapseWait.TotalSeconds:0} s; try again shortly");
        }
    }
}
