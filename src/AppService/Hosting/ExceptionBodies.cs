using OpenMeet.AppService.Storage;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// Where a database that cannot be written becomes an answer, whichever endpoint met it: 503 with
/// <c>Retry-After</c> in each API's error shape (a page under /oidc, from the error bodies). The engine has
/// logged the failure and reopens the database by itself. Other exceptions pass on untouched.
/// </summary>
public static class ExceptionBodies
{
    private const string RetryAfterSeconds = "5";
    private const string Message = "The database cannot be written just now (is the disk full?); try again later.";

    public static IApplicationBuilder UseExceptionBodies(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http);
            }
            catch (StorageFaultException) when (!http.Response.HasStarted)
            {
                http.Response.Clear();
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = RetryAfterSeconds;
                var path = http.Request.Path;
                var body = path.StartsWithSegments("/_matrix", StringComparison.Ordinal) ? Errors.Matrix(503, "M_UNKNOWN", Message)
                    : path.StartsWithSegments("/internal", StringComparison.Ordinal) || path.StartsWithSegments("/api", StringComparison.Ordinal)
                        ? Errors.Api(503, "database_unavailable", Message)
                    : null;
                if (body is not null)
                {
                    await body.ExecuteAsync(http);
                }
            }
        });
}
