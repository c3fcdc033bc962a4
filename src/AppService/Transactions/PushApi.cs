using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Transactions;

/// <summary>The application service API Synapse calls (Matrix spec, Application Service API v1).</summary>
public static class PushApi
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();
    private static readonly byte[] EmptyList = "[]"u8.ToArray();

    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder app, AppConfig config)
    {
        var hsToken = new TokenCheck(config.Appservice.HsToken);
        var group = app.MapGroup("/_matrix/app/v1").AddEndpointFilter(async (ctx, next) =>
            hsToken.Check(ctx.HttpContext.Request, allowQueryParameter: true) switch
            {
                TokenCheck.Outcome.Missing => Errors.Matrix(401, "M_UNAUTHORIZED", "Missing access token"),
                TokenCheck.Outcome.Wrong => Errors.Matrix(403, "M_FORBIDDEN", "Bad access token"),
                _ => await next(ctx),
            });

        group.MapPut("/transactions/{txnId}", PutTransaction).RefusedWhileStopping();
        group.MapGet("/users/{userId}", (string userId) =>
            userId == config.BotUserId ? Json(EmptyObject) : Errors.Matrix(404, "M_NOT_FOUND", "No such user in this namespace"));
        // It may make a room: new work, like a transaction.
        group.MapGet("/rooms/{roomAlias}", QueryAlias).RefusedWhileStopping();
        group.MapPost("/ping", (PushMetrics metrics) =>
        {
            metrics.PingedBySynapse();
            return Json(EmptyObject);
        });
        group.MapGet("/thirdparty/protocol/{protocol}", (string protocol) =>
            Errors.Matrix(404, "M_NOT_FOUND", $"No third-party protocol '{protocol}' is bridged here"));
        group.MapGet("/thirdparty/user", () => Json(EmptyList));
        group.MapGet("/thirdparty/user/{protocol}", () => Json(EmptyList));
        group.MapGet("/thirdparty/location", () => Json(EmptyList));
        group.MapGet("/thirdparty/location/{protocol}", () => Json(EmptyList));
        return app;
    }

    private static async Task<IResult> QueryAlias(string roomAlias, IAliasQuery rooms, CancellationToken ct) =>
        await rooms.ExistsAsync(roomAlias, ct)
            ? Json(EmptyObject)
            : Errors.Matrix(404, "M_NOT_FOUND", $"No OpenMeet entity has the alias {roomAlias}");

    private static async Task<IResult> PutTransaction(string txnId, HttpRequest request, Inbox inbox, PushMetrics metrics, AppConfig config)
    {
        var arrived = Stopwatch.GetTimestamp();
        var limit = config.Appservice.MaxTransactionBytes;
        if (request.ContentLength > limit)
        {
            return Errors.Matrix(413, "M_TOO_LARGE", $"Transactions are limited to {limit} bytes");
        }

        // Kestrel's own cap (30 MB) is below what Synapse may send: ours is the one that counts.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        var body = await RequestBody.ReadAsync(request, limit, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return Errors.Matrix(413, "M_TOO_LARGE", $"Transactions are limited to {limit} bytes");
        }

        var parsed = TransactionParser.Parse(txnId, body);
        if (parsed.Verdict != TransactionParser.Verdict.Ok)
        {
            return parsed.Verdict == TransactionParser.Verdict.NotJson
                ? Errors.Matrix(400, "M_NOT_JSON", $"Body is not valid JSON: {parsed.Problem}")
                : Errors.Matrix(400, "M_BAD_JSON", $"Body is not a transaction: {parsed.Problem}");
        }

        Inbox.Outcome outcome;
        try
        {
            outcome = await inbox.StoreAsync(txnId, body, parsed);
        }
        catch (IOException e)
        {
            // A full or failing disk: nothing was acknowledged, Synapse sends it again later.
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Errors.Matrix(503, "M_UNKNOWN", $"The transaction could not be stored: {e.Message}");
        }

        if (outcome == Inbox.Outcome.Busy)
        {
            // Synapse retries later; meanwhile the dispatcher catches up instead of memory growing.
            request.HttpContext.Response.Headers.RetryAfter = "1";
            return Errors.Matrix(503, "M_UNKNOWN", "The service is catching up with earlier transactions; retry shortly");
        }

        metrics.Acknowledged(outcome == Inbox.Outcome.Stored ? "stored" : "repeated", Stopwatch.GetElapsedTime(arrived));
        return Json(EmptyObject);
    }

    private static FileContentHttpResult Json(byte[] body) => TypedResults.Bytes(body, "application/json");
}
