using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// Listeners in the Synapse style: each binds an address and serves a set of resources. A request for
/// a resource its listener does not serve is answered as if the route did not exist.
/// </summary>
public static class Listeners
{
    private static readonly (string Prefix, string Resource)[] Routes =
    [
        ("/_matrix/app", "appservice"),
        ("/internal", "internal"),
        ("/api", "api"),
        ("/oidc", "oidc"),
        ("/.well-known/openid-configuration", "oidc"),
        ("/health", "health"),
        ("/metrics", "metrics"),
        ("/openapi/internal.json", "internal"),
        ("/openapi/public.json", "api"),
        (OpenApi.ApiReference.PagePrefix, "internal"),
    ];

    public static void Bind(KestrelServerOptions kestrel, AppConfig config)
    {
        kestrel.AddServerHeader = false;
        foreach (var listener in config.Listeners)
        {
            var address = ParseOrThrow(listener.Bind);
            if (address.Localhost)
            {
                kestrel.ListenLocalhost(address.Port);
            }
            else
            {
                kestrel.Listen(address.Address ?? IPAddress.IPv6Any, address.Port);
            }
        }
    }

    public static string? ResourceOf(PathString path)
    {
        foreach (var (prefix, resource) in Routes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.Ordinal))
            {
                return resource;
            }
        }

        return null;
    }

    public static IApplicationBuilder UseListenerResources(this IApplicationBuilder app, AppConfig config)
    {
        var listeners = config.Listeners
            .Select(l => (Address: ParseOrThrow(l.Bind), Resources: l.Resources.ToHashSet(StringComparer.Ordinal)))
            .ToArray();
        return app.Use((context, next) =>
        {
            var resource = ResourceOf(context.Request.Path);
            var connection = context.Connection;
            var served = resource is not null && listeners.Any(l =>
                l.Address.Accepts(connection.LocalIpAddress, connection.LocalPort) && l.Resources.Contains(resource));
            if (!served)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }

    private static ListenerAddress ParseOrThrow(string bind) =>
        ListenerAddress.TryParse(bind, out var a) ? a : throw new ConfigException([$"listeners: bad bind '{bind}'"]);
}
