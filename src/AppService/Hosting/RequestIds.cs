using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;
using Serilog.Context;
using Serilog.Core;
using Serilog.Events;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// Every request has an id: the caller's <c>X-Request-Id</c> when it is one value of 1 to 128 letters,
/// digits and <c>. _ : - + / =</c> (a proxy's or a client's, so its log and ours can be matched),
/// otherwise ASP.NET's own <see cref="HttpContext.TraceIdentifier"/>. It is sent back in
/// <c>X-Request-Id</c>, and it is the <c>RequestId</c> of every log line written while the request
/// is handled, the request's own line too.
/// </summary>
public static partial class RequestIds
{
    public const string Header = "X-Request-Id";
    public const string LogProperty = "RequestId";

    /// <summary>First in the pipeline, so that every line of the request carries the id.</summary>
    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            http.TraceIdentifier = Accepted(http.Request.Headers[Header]) ?? http.TraceIdentifier;
            // When the headers go out, after any error body has replaced what was there.
            http.Response.OnStarting(static state =>
            {
                var context = (HttpContext)state;
                context.Response.Headers[Header] = context.TraceIdentifier;
                return Task.CompletedTask;
            }, http);
            using (LogContext.Push(new Property(http.TraceIdentifier)))
            {
                await next(http);
            }
        });

    /// <summary>The caller's id if it is safe to log and send back as it is; null otherwise.</summary>
    public static string? Accepted(StringValues header) =>
        header.Count == 1 && header[0] is { } id && SafeId().IsMatch(id) ? id : null;

    // Replaces, rather than adds if absent: ASP.NET's logging scope has a RequestId of its own, the
    // connection's id taken before this middleware ran.
    private sealed class Property(string id) : ILogEventEnricher
    {
        private readonly LogEventProperty property = new(LogProperty, new ScalarValue(id));

        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) => logEvent.AddOrUpdateProperty(property);
    }

    [GeneratedRegex(@"^[A-Za-z0-9._:+/=\-]{1,128}\z")]
    private static partial Regex SafeId();
}
