using Microsoft.AspNetCore.Diagnostics;
using OpenMeet.AppService.Storage;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// Where an exception that escaped its endpoint becomes an answer. A database that cannot be written is
/// a 503 with <c>Retry-After</c> in each API's error shape (a page under /oidc, from the error bodies); the
/// service reopens the database by itself. Anything else stays a bare 500.
/// </summary>
public static class ExceptionBodies
{
    public const string RetryAfterSeconds = "5";

    public static IApplicationBuilder UseExceptionBodies(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = AnswerAsync,
            StatusCodeSelector = e => e is StorageFaultException ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,

            // The engine logs the failure once, without a stack trace; a line a request would say nothing new.
            SuppressDiagnosticsCallback = c => c.Exception is StorageFaultException,
        });

    private static async Task AnswerAsync(HttpContext http)
    {
        if (http.Features.Get<IExceptionHandlerFeature>()?.Error is not StorageFaultException)
        {
            return;
        }

        http.Response.Headers.RetryAfter = RetryAfterSeconds;
        const string Message = "The database cannot be written just now (is the disk full?); try again later.";
        var path = http.Request.Path;
        IResult? body = path.StartsWithSegments("/_matrix", StringComparison.Ordinal) ? Errors.Matrix(503, "M_UNKNOWN", Message)
            : path.StartsWithSegments("/internal", StringComparison.Ordinal) || path.StartsWithSegments("/api", StringComparison.Ordinal)
                ? Errors.Api(503, "database_unavailable", Message)
            : null;
        if (body is not null)
        {
            await body.ExecuteAsync(http);
        }
    }
}
