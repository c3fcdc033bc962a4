using Microsoft.AspNetCore.Routing.Patterns;

namespace OpenMeet.Bench.Scale.StandIn;

/// <summary>Kestrel on loopback serving <see cref="Routes"/>, counting every request by route.</summary>
public static class StandInServer
{
    public static async Task<WebApplication> StartAsync(Homeserver hs, RequestCounts counts, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        app.UseRouting();
        app.Use(async (context, next) =>
        {
            var pattern = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern;
            if (pattern is null)
            {
                counts.Count($"unmatched {context.Request.Method} {context.Request.Path}");
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("""{"errcode":"M_UNRECOGNIZED","error":"not in the stand-in"}""");
                return;
            }

            var endpoint = $"{context.Request.Method} {Short(pattern)}";
            counts.Count(endpoint, work: endpoint != "GET /_matrix/client/versions");
            await next(context);
        });
        app.MapStandIn(hs);
        await app.StartAsync();
        return app;
    }

    private static string Short(RoutePattern pattern) => (pattern.RawText ?? "?").Replace("/_matrix/client/v3", "", StringComparison.Ordinal);
}
