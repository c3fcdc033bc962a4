using System.Net;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>
/// The listeners speak plain http; behind a proxy that ends TLS, an https issuer works where the listener
/// trusts the proxy (<c>trusted_proxies</c>): X-Forwarded-Proto is believed from it. From anyone else the
/// header is ignored, and the issuer's protocol endpoints (known to OpenIddict by their https URLs) serve
/// nothing over plain http: it fails closed.
/// </summary>
public sealed class TlsProxyTests
{
    [Fact]
    public async Task AnHttpsIssuerBehindATrustedProxyThatEndsTlsServesItsEndpoints()
    {
        await using var service = await HttpsIssuerAsync(trustProxy: true);

        foreach (var path in new[] { "/oidc/.well-known/openid-configuration", "/oidc/jwks" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Forwarded-Proto", "https");
            using var response = await service.Public().SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            if (path.EndsWith("configuration", StringComparison.Ordinal))
            {
                (await response.Content.ReadAsStringAsync()).Should().Contain($"\"issuer\": \"https://127.0.0.1:{service.PublicPort}/oidc\"");
            }
        }
    }

    [Fact]
    public async Task AnHttpsIssuerReachedOverPlainHttpServesNothingWhateverXForwardedProtoSays()
    {
        await using var service = await HttpsIssuerAsync(trustProxy: false);

        // OpenIddict knows its endpoints by their https URIs: a request that arrived over http is none of them.
        foreach (var path in new[] { "/oidc/.well-known/openid-configuration", "/oidc/jwks", "/oidc/authorize?client_id=synapse", "/oidc/token" })
        {
            using var request = new HttpRequestMessage(path == "/oidc/token" ? HttpMethod.Post : HttpMethod.Get, path);
            request.Headers.Add("X-Forwarded-Proto", "https");
            using var response = await service.Public().SendAsync(request);

            ((int)response.StatusCode).Should().BeGreaterThanOrEqualTo(400, path);
            response.Headers.Location.Should().BeNull(path);
            (await response.Content.ReadAsStringAsync()).Should().NotContain("\"issuer\"", path);
        }
    }

    private static async Task<TestService> HttpsIssuerAsync(bool trustProxy)
    {
        var service = new TestService($"""
            oidc:
              issuer: https://127.0.0.1/oidc
            openmeet:
              jwt_issuer: {TestService.JwtIssuer}
              jwt_audience: {TestService.JwtAudience}
              jwt_secret: {TestService.JwtSecret}
            """);
        // The issuer as the proxy would publish it: this host and port, but https.
        var config = File.ReadAllText(service.ConfigPath)
            .Replace("https://127.0.0.1/oidc", $"https://127.0.0.1:{service.PublicPort}/oidc", StringComparison.Ordinal);
        if (trustProxy)
        {
            config = config.Replace("    resources: [api, oidc, health]", "    resources: [api, oidc, health]\n    trusted_proxies: [127.0.0.1]", StringComparison.Ordinal);
        }

        File.WriteAllText(service.ConfigPath, config);
        await service.StartAsync();
        return service;
    }
}
