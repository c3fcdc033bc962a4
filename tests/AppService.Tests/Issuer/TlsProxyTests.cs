using System.Net;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>
/// What docs/security.md says is not supported yet: the listeners speak plain http and X-Forwarded-Proto is
/// not believed, so behind a proxy that ends TLS an https issuer's protocol endpoints (discovery, JWKS,
/// authorize, token) answer 404, or 500 where the endpoint is ours and finds no OpenID request. It fails
/// closed. When forwarded schemes are supported, this test changes.
/// </summary>
public sealed class TlsProxyTests
{
    [Fact]
    public async Task AnHttpsIssuerReachedOverPlainHttpServesNothingWhateverXForwardedProtoSays()
    {
        await using var service = new TestService($"""
            oidc:
              issuer: https://127.0.0.1/oidc
            openmeet:
              jwt_issuer: {TestService.JwtIssuer}
              jwt_audience: {TestService.JwtAudience}
              jwt_secret: {TestService.JwtSecret}
            """);
        // The issuer as the proxy would publish it: this host and port, but https.
        File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath)
            .Replace("https://127.0.0.1/oidc", $"https://127.0.0.1:{service.PublicPort}/oidc", StringComparison.Ordinal));
        await service.StartAsync();

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
}
