using System.Net;
using System.Text.RegularExpressions;

namespace OpenMeet.EndToEnd.Tests;

/// <summary>
/// Walks redirects and forms like a browser would, one hop at a time, keeping cookies per host. Synapse's
/// oidc_session cookie is marked Secure, which no HTTP client sends back over http by itself (a browser on
/// localhost does), so cookies are kept and sent here by hand.
/// </summary>
internal sealed partial class Browserless : IDisposable
{
    private readonly HttpClient http;
    private readonly Dictionary<string, Dictionary<string, string>> cookies = new(StringComparer.Ordinal);

    /// <param name="from">The loopback address to connect from (127.0.0.1 by default): sign-in failures are
    /// counted per client address, so a test that fails on purpose comes from an address of its own.</param>
    public Browserless(IPAddress? from = null)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        if (from is not null)
        {
            handler.ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        http = new HttpClient(handler);
    }

    /// <summary>A loopback address of its own (127.x.y.z), for a test whose failures must not slow the others.</summary>
    public static IPAddress OwnLoopbackAddress() => new([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, Dictionary<string, string>? form = null)
    {
        var uri = new Uri(url);
        using var request = new HttpRequestMessage(method, uri);
        if (cookies.TryGetValue(uri.Authority, out var jar) && jar.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", jar.Select(c => $"{c.Key}={c.Value}")));
        }

        if (form is not null)
        {
            request.Content = new FormUrlEncodedContent(form);
        }

        var response = await http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var set))
        {
            jar = cookies.TryGetValue(uri.Authority, out var existing) ? existing : cookies[uri.Authority] = new(StringComparer.Ordinal);
            foreach (var cookie in set)
            {
                var pair = cookie.Split(';')[0].Split('=', 2);
                jar[pair[0]] = pair[1];
            }
        }

        return response;
    }

    public Task<HttpResponseMessage> GetAsync(string url) => SendAsync(HttpMethod.Get, url);

    /// <summary>Another browser with the cookies this one has now: what a replay would send.</summary>
    public Browserless Copy()
    {
        var copy = new Browserless();
        foreach (var (host, jar) in cookies)
        {
            copy.cookies[host] = new(jar, StringComparer.Ordinal);
        }

        return copy;
    }

    public static string Location(HttpResponseMessage response, string from)
    {
        response.StatusCode.Should().BeOneOf([HttpStatusCode.Found, HttpStatusCode.Redirect, HttpStatusCode.SeeOther, HttpStatusCode.TemporaryRedirect],
            $"a redirect was expected from {from}");
        return new Uri(new Uri(from), response.Headers.Location!).ToString();
    }

    /// <summary>The hidden fields of the page's form (the CSRF token, the return address).</summary>
    public static Dictionary<string, string> Hidden(string html) =>
        HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));

    public void Dispose() => http.Dispose();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();
}
