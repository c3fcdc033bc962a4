namespace OpenMeet.AppService.Hosting;

/// <summary>Bodies for error statuses left without one: Matrix errors under /_matrix, JSON errors under
/// /internal and /api, a page under /oidc (OpenIddict's status code pages integration leaves its errors here).</summary>
public static class NotFoundBodies
{
    public static IApplicationBuilder UseErrorBodies(this IApplicationBuilder app) =>
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var path = http.Request.Path;
            IResult? body = (status, path) switch
            {
                (404 or 405, _) when path.StartsWithSegments("/_matrix", StringComparison.Ordinal) =>
                    Errors.Matrix(status, "M_UNRECOGNIZED", status == 404 ? "Unrecognized request" : "Method not allowed"),
                (404, _) when IsApi(path) => Errors.Api(404, "not_found", $"No route {http.Request.Method} {path}"),
                (405, _) when IsApi(path) => Errors.Api(405, "method_not_allowed", $"{http.Request.Method} is not allowed on {path}"),
                _ => null,
            };
            if (body is not null)
            {
                await body.ExecuteAsync(http);
            }
            else if (status >= 400 && path.StartsWithSegments("/oidc", StringComparison.Ordinal))
            {
                await OpenMeet.Oidc.Pages.ErrorPage.WriteAsync(http);
            }
        });

    private static bool IsApi(PathString path) =>
        path.StartsWithSegments("/internal", StringComparison.Ordinal) || path.StartsWithSegments("/api", StringComparison.Ordinal);
}
