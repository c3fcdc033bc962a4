using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Hosting;

/// <summary>
/// Behind a reverse proxy, the client's address, the scheme and the host are the ones the proxy puts in
/// X-Forwarded-For, -Proto and -Host: believed only on a listener with <c>trusted_proxies</c>, and only
/// from those (each hop of a chain must be one). So an https issuer works behind a proxy that ends TLS
/// (OpenIddict knows its endpoints by their https URLs). Elsewhere the headers are ignored, so nobody
/// picks the address their failed sign-ins count against, or the scheme a Secure cookie needs.
/// </summary>
public static class TrustedProxies
{
    /// <summary>An address (<c>10.0.0.5</c>, <c>::1</c>) or a network in CIDR form (<c>10.0.0.0/8</c>).</summary>
    public static bool TryParse(string text, out IPNetwork network)
    {
        if (IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return IPNetwork.TryParse(text, out network);
    }

    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app, AppConfig config)
    {
        // Both checked at start (ConfigValidator): what fails here was never validated.
        foreach (var (listener, i) in config.Listeners.Select((l, i) => (l, i)).Where(l => l.l.TrustedProxies.Count > 0))
        {
            var bind = ListenerAddress.TryParse(listener.Bind, out var a) ? a : throw new ConfigException([$"listeners[{i}].bind: bad bind '{listener.Bind}'"]);
            var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost, ForwardLimit = null };
            // Not the loopback trusted by default: only what the operator listed.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var entry in listener.TrustedProxies)
            {
                options.KnownIPNetworks.Add(TryParse(entry, out var network) ? network : throw new ConfigException([$"listeners[{i}].trusted_proxies: bad entry '{entry}'"]));
            }

            app.UseWhen(http => bind.Accepts(http.Connection.LocalIpAddress, http.Connection.LocalPort), branch => branch.UseForwardedHeaders(options));
        }

        return app;
    }
}
