using System.Net;

namespace OpenMeet.Oidc;

/// <summary>The one place plain http is allowed: the machine itself (127.0.0.0/8, ::1, localhost), for development.</summary>
public static class Loopback
{
    public static bool Is(Uri uri) =>
        uri.HostNameType == UriHostNameType.Dns
            ? string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            : IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address);

    /// <summary>https, or http on loopback.</summary>
    public static bool IsSecureOrLocal(Uri uri) => uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && Is(uri));
}
