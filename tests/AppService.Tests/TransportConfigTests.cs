using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// The issuer and OpenMeet's JWKS travel over https, except on the machine itself (127.0.0.0/8, ::1,
/// localhost: development): anything else refuses to start, naming the key.
/// </summary>
public sealed class TransportConfigTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"om-transport-{Guid.NewGuid():N}.yaml");

    public void Dispose() => File.Delete(path);

    private IReadOnlyList<string> Problems(string issuer, string jwksUrl, string clientUrls = "https://matrix.example.org")
    {
        // ConfigTests' valid config, with the issuer on its listener.
        File.WriteAllText(path, ConfigTests.Valid.Replace("resources: [appservice, internal, health]", "resources: [appservice, internal, health, oidc]", StringComparison.Ordinal)
            + "\n" + $"""
            openmeet:
              jwt_issuer: https://api.openmeet.net
              jwt_audience: openmeet-matrix
              jwks_url: "{jwksUrl}"
            oidc:
              issuer: "{issuer}"
              openmeet_login_url: "{clientUrls}/matrix-login"
              clients:
                - client_id: synapse
                  client_secret: secret-0123456789abcdef
                  redirect_uris: ["{clientUrls}/_synapse/client/oidc/callback"]
                  post_logout_redirect_uris: ["{clientUrls}/bye"]
                  backchannel_logout_uri: "{clientUrls}/_synapse/client/oidc/backchannel_logout"
            """);
        try
        {
            ConfigLoader.Load(path);
            return [];
        }
        catch (ConfigException e)
        {
            return e.Problems;
        }
    }

    [Theory]
    [InlineData("https://matrix.example.org/oidc", "https://api.openmeet.net/.well-known/jwks.json")]
    [InlineData("http://127.0.0.1:8010/oidc", "http://127.0.0.1:3000/.well-known/jwks.json")]
    [InlineData("http://127.8.9.10:8010/oidc", "http://127.0.0.2/jwks.json")]
    [InlineData("http://localhost:8010/oidc", "http://LOCALHOST:3000/jwks.json")]
    [InlineData("http://[::1]:8010/oidc", "http://[::1]:3000/jwks.json")]
    public void HttpsOrLoopbackIsAccepted(string issuer, string jwksUrl) => Problems(issuer, jwksUrl).Should().BeEmpty();

    [Theory]
    [InlineData("http://matrix.example.org/oidc")]
    [InlineData("http://10.0.0.5:8010/oidc")]
    [InlineData("http://[::2]:8010/oidc")]
    [InlineData("http://localhost.example.org/oidc")]
    [InlineData("http://127.0.0.1.nip.io/oidc")]
    public void APlainHttpIssuerElsewhereIsRefused(string issuer) =>
        Problems(issuer, "https://api.openmeet.net/.well-known/jwks.json").Should().Equal(
            $"oidc.issuer: expected an https URL (plain http only on loopback: 127.0.0.1, ::1, localhost), got '{issuer}'");

    [Theory]
    [InlineData("http://api.openmeet.net/.well-known/jwks.json")]
    [InlineData("http://192.168.1.20:3000/jwks.json")]
    public void APlainHttpJwksUrlElsewhereIsRefused(string jwksUrl) =>
        Problems("https://matrix.example.org/oidc", jwksUrl).Should().Equal(
            $"openmeet.jwks_url: expected an https URL (plain http only on loopback: 127.0.0.1, ::1, localhost), got '{jwksUrl}'");

    // Codes, logout tokens and the OpenMeet hand-off travel to these.
    [Fact]
    public void PlainHttpSignInUrlsElsewhereAreRefusedNamingEachKey()
    {
        var problems = Problems("https://matrix.example.org/oidc", "https://api.openmeet.net/jwks.json", "http://matrix.example.org");
        problems.Select(p => p.Split(':')[0]).Should().BeEquivalentTo(
            "oidc.openmeet_login_url", "oidc.clients[0].redirect_uris[0]", "oidc.clients[0].post_logout_redirect_uris[0]", "oidc.clients[0].backchannel_logout_uri");
        Problems("https://matrix.example.org/oidc", "https://api.openmeet.net/jwks.json", "http://127.0.0.1:8008").Should().BeEmpty();
    }
}
