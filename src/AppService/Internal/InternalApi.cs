using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.Internal;

public static class InternalApi
{
    /// <summary>The group every OpenMeet-facing route hangs from: bearer <c>internal.token</c>, JSON errors.</summary>
    public static RouteGroupBuilder MapInternalApi(this IEndpointRouteBuilder app, AppConfig config)
    {
        var token = new TokenCheck(config.Internal.Token);
        return app.MapGroup("/internal").AddEndpointFilter(async (ctx, next) =>
            token.Check(ctx.HttpContext.Request, allowQueryParameter: false) switch
            {
                TokenCheck.Outcome.Missing => Errors.Api(401, "unauthorized", "Authorization: Bearer <internal token> is required"),
                TokenCheck.Outcome.Wrong => Errors.Api(403, "forbidden", "The internal token is wrong"),
                _ => await next(ctx),
            });
    }
}
