using System.Net;
using System.Text.Json;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// OpenIddict's endpoints (token, authorize, userinfo, logout) against seeded broken requests: an
/// OAuth JSON error, a readable page or a redirect, never a 5xx, and no token, authorization or
/// session from any of them. OPENMEET_FORM_CASES sets the requests per endpoint (150 by default).
/// </summary>
public sealed class ProtocolFormPropertyTests : IAsyncLifetime
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_FORM_CASES"), out var n) ? n : 150;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_SIGNIN_SEED"), out var s) ? s : 1204;
    private const string Verifier = "verifier-verifier-verifier-verifier-verifier";
    private SignInHost host = null!;

    public async Task InitializeAsync() => host = await SignInHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static readonly (string Path, KeyValuePair<string, string>[] Fields)[] Endpoints =
    [
        ("/oidc/token", [new("grant_type", "authorization_code"), new("code", "not-a-code"), new("redirect_uri", SignInHost.RedirectUri),
            new("client_id", SignInHost.ClientId), new("client_secret", SignInHost.ClientSecret), new("code_verifier", Verifier)]),
        ("/oidc/token", [new("grant_type", "refresh_token"), new("refresh_token", "not-a-token"), new("client_id", SignInHost.ClientId),
            new("client_secret", SignInHost.ClientSecret)]),
        ("/oidc/token", [new("grant_type", "password"), new("username", "t1/bob"), new("password", SignInHost.Password), new("client_id", SignInHost.ClientId)]),
        ("/oidc/authorize", [new("client_id", SignInHost.ClientId), new("redirect_uri", SignInHost.RedirectUri), new("response_type", "code"),
            new("scope", "openid profile"), new("state", "s"), new("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            new("code_challenge_method", "S256"), new("prompt", "none")]),
        ("/oidc/userinfo", [new("access_token", "not-a-token")]),
        ("/oidc/logout", [new("id_token_hint", "not-a-token"), new("post_logout_redirect_uri", "https://evil.test/"), new("state", "s")]),
    ];

    [Fact]
    public async Task BrokenProtocolRequestsGetAnErrorNeverAServerError()
    {
        var random = new Random(Seed);
        var before = host.State();
        using var browser = host.Browser();
        foreach (var (path, valid) in Endpoints)
        {
            for (var i = 0; i < Cases; i++)
            {
                var (fields, mutated) = BrokenForms.Mutate(valid, random);
                var (content, encoded) = BrokenForms.Encode(fields, random);
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                if (path != "/oidc/token" && random.Next(3) == 0)
                {
                    // The same fields as a query (GET), where the endpoint takes one.
                    var query = string.Join('&', fields.Take(50).Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value[..Math.Min(2000, f.Value.Length)])}"));
                    request.Method = HttpMethod.Get;
                    request.RequestUri = new Uri($"{path}?{query}", UriKind.Relative);
                    request.Content = null;
                    encoded = "a query";
                }

                if (random.Next(6) == 0)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", new[] { "Basic !!!", "Basic " + Convert.ToBase64String("synapse:wrong"u8), "Bearer x", "Basic" }[random.Next(4)]);
                }

                using var response = await browser.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var because = $"seed {Seed}, {request.Method} {path} case {i}: {mutated}, {encoded}: {(int)response.StatusCode} {body[..Math.Min(400, body.Length)]}{host.ErrorsLogged(response)}";

                ((int)response.StatusCode).Should().BeLessThan(500, because);
                if ((int)response.StatusCode >= 400)
                {
                    ShouldExplain(response, body, because);
                }

                host.SessionUser(response).Should().BeNull(because);
            }
        }

        host.State().Should().Be(before, "no token, authorization or session came of it");
        (await host.Service.Private(null).GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    /// <summary>An OAuth error (JSON, or a WWW-Authenticate challenge) or a page a person can read.</summary>
    private static void ShouldExplain(HttpResponseMessage response, string body, string because)
    {
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            JsonDocument.Parse(body).RootElement.GetProperty("error").ValueKind.Should().Be(JsonValueKind.String, because);
        }
        else if (response.Headers.WwwAuthenticate.Count > 0 && body.Length == 0)
        {
            response.Headers.WwwAuthenticate.ToString().Should().Contain("error=", because);
        }
        else
        {
            SignInHost.ShouldBeReadableRefusal(response, body, because);
        }
    }
}
