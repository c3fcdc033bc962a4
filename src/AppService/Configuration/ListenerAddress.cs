using System.Net;

namespace OpenMeet.AppService.Configuration;

/// <summary>A listener's <c>bind</c>: an IP (or any/localhost) and a port.</summary>
public readonly record struct ListenerAddress(IPAddress? Address, bool Localhost, int Port)
{
    public static bool TryParse(string value, out ListenerAddress address)
    {
        address = default;
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        var host = value[..colon].Trim('[', ']');
        if (host == "*")
        {
            address = new(null, false, port);
            return true;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = new(null, true, port);
            return true;
        }

        if (IPAddress.TryParse(host, out var ip))
        {
            address = new(ip, false, port);
            return true;
        }

        return false;
    }

    /// <summary>Does a connection accepted on this local endpoint belong to this listener?</summary>
    public bool Accepts(IPAddress? local, int localPort)
    {
        if (localPort != Port)
        {
            return false;
        }

        if (local is null)
        {
            return false;
        }

        if (local.IsIPv4MappedToIPv6)
        {
            local = local.MapToIPv4();
        }

        return Localhost ? IPAddress.IsLoopback(local)
            : Address is null || Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any) || Address.Equals(local);
    }
}
