using OpenMeet.AppService.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace OpenMeet.AppService.Hosting;

public static class Logging
{
    /// <summary>
    /// Serilog to stdout (or <paramref name="output"/>). ASP.NET's own request lines and HttpClient's
    /// are kept at Warning: they print full URLs, and a URL may carry an access_token parameter.
    /// OpenIddict's Verbose lines (whole tokens and codes) are dropped, and the secret parameters of
    /// the requests and responses it logs are redacted.
    /// </summary>
    public static Serilog.ILogger Create(LoggingConfig config, TextWriter? output = null)
    {
        var level = Enum.Parse<LogEventLevel>(config.Level, ignoreCase: true);
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .MinimumLevel.Override("Serilog.AspNetCore.RequestLoggingMiddleware", level)
            .Enrich.FromLogContext()
            .Enrich.With<OpenIddictRedaction>()
            .Filter.ByExcluding(OpenIddictRedaction.PrintsTokens);
        foreach (var (source, sourceLevel) in config.Overrides)
        {
            logger.MinimumLevel.Override(source, Enum.Parse<LogEventLevel>(sourceLevel, ignoreCase: true));
        }

        ITextFormatter formatter = config.Format == "json" ? new CompactJsonFormatter() : new TextLogFormat();
        return logger.WriteTo.Sink(new TextWriterSink(formatter, output ?? Console.Out)).CreateLogger();
    }

    /// <summary>One line per request, with the path but never the query string, and the request's id
    /// (<see cref="RequestIds"/>) as on every line written meanwhile. Successful
    /// transactions and health checks are Debug: at thousands a second they would drown the log.</summary>
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(o =>
        {
            o.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
            o.MessageTemplate = "{ListenerPort} {RequestMethod} {RequestPath} {StatusCode} in {Elapsed:0.000} ms";
            o.EnrichDiagnosticContext = (diagnostics, http) => diagnostics.Set("ListenerPort", http.Connection.LocalPort);
            o.GetLevel = (http, _, error) =>
                error is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
                : http.Response.StatusCode >= 400 ? LogEventLevel.Warning
                : http.Request.Path.StartsWithSegments("/_matrix/app/v1/transactions", StringComparison.Ordinal)
                  || http.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal) ? LogEventLevel.Debug
                : LogEventLevel.Information;
        });
}
