using Microsoft.AspNetCore.Http.HttpResults;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Storage;

namespace OpenMeet.AppService.Internal;

public static class InternalApi
{
    /// <summary>
    /// The group every OpenMeet-facing route hangs from: bearer <c>internal.token</c>, JSON errors, and
    /// every write recorded in the audit trail with its outcome.
    /// </summary>
    public static RouteGroupBuilder MapInternalApi(this IEndpointRouteBuilder app, AppConfig config)
    {
        var token = new TokenCheck(config.Internal.Token);
        return app.MapGroup("/internal").AddEndpointFilter(async (ctx, next) =>
        {
            var request = ctx.HttpContext.Request;
            var refused = token.Check(request, allowQueryParameter: false) switch
            {
                TokenCheck.Outcome.Missing => Errors.Api(401, "unauthorized", "Authorization: Bearer <internal token> is required"),
                TokenCheck.Outcome.Wrong => Errors.Api(403, "forbidden", "The internal token is wrong"),
                _ => null,
            };
            var result = refused ?? await next(ctx);
            if (!HttpMethods.IsGet(request.Method))
            {
                var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
                ctx.HttpContext.RequestServices.GetRequiredService<AuditLog>()
                    .Record("internal-api", request.Method, request.Path, status < 400 ? "ok" : "refused", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                // What OpenMeet was told is stored survives a power cut: the write and its audit entry.
                ctx.HttpContext.RequestServices.GetRequiredService<Durability>().Flush();
            }

            return result;
        }).WritesRefusedWhileStopping().Fails("unauthorized", "forbidden", "database_unavailable");
    }
}
