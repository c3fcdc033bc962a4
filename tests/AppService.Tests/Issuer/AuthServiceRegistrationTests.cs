using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenMeet.Oidc;
using OpenMeet.Oidc.AuthService;
using OpenMeet.AppService.Tests.Reconciliation;
using OpenMeet.AppService.Tests.SignIn;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>
/// oidc.mode matrix_auth_service (issue 16): Matrix clients register themselves (RFC 7591, MSC2966) as
/// matrix-js-sdk does, and get a person's account only after the person allowed them on our page.
/// </summary>
public sealed class AuthServiceRegistrationTests : IAsyncLifetime
{
    private const string Redirect = "http://127.0.0.1:8765/callback";
    private SignInHost host = null!;
    private StandInSynapse synapse = null!;

    public async Task InitializeAsync()
    {
        synapse = await StandInSynapse.StartAsync();
        host = await SignInHost.StartAuthServiceAsync(synapse.Url);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await synapse.DisposeAsync();
    }

    // What matrix-js-sdk 37.5 sends (src/oidc/register.ts), for a native app.
    private static Dictionary<string, object> Metadata(string redirect = Redirect) => new()
    {
        ["client_name"] = "Test app",
        ["client_uri"] = "https://app.example.org/",
        ["response_types"] = new[] { "code" },
        ["grant_types"] = new[] { "authorization_code", "refresh_token" },
        ["redirect_uris"] = new[] { redirect },
        ["id_token_signed_response_alg"] = "RS256",
        ["token_endpoint_auth_method"] = "none",
        ["application_type"] = "native",
        ["contacts"] = Array.Empty<string>(),
    };

    private async Task<(HttpStatusCode Status, JsonElement Body)> RegisterAsync(object metadata)
    {
        using var browser = host.Browser();
        using var response = await browser.PostAsJsonAsync("/oidc/oauth2/register", metadata);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task AMatrixClientRegistersAsAPublicClientAndTheSameMetadataIsTheSameClient()
    {
        var (status, body) = await RegisterAsync(Metadata());

        status.Should().Be(HttpStatusCode.Created, body.ToString());
        var clientId = body.GetProperty("client_id").GetString();
        clientId.Should().NotBeNullOrEmpty();
        body.GetProperty("token_endpoint_auth_method").GetString().Should().Be("none");
        body.TryGetProperty("client_secret", out _).Should().BeFalse();
        body.GetProperty("redirect_uris").EnumerateArray().Select(r => r.GetString()).Should().Equal(Redirect);

        (await RegisterAsync(Metadata())).Body.GetProperty("client_id").GetString().Should().Be(clientId, "a client registering at every start finds its own");
        (await RegisterAsync(Metadata("http://127.0.0.1:9999/other"))).Body.GetProperty("client_id").GetString().Should().NotBe(clientId);
    }

    [Fact]
    public async Task AClientNotSeenForADayIsPrunedAndRegistersAgainAsItself()
    {
        var clientId = (await RegisterAsync(Metadata())).Body.GetProperty("client_id").GetString()!;
        var pruning = host.Service.Services.GetServices<IHostedService>().OfType<OidcPruning>().Single();
        async Task AgeAsync()
        {
            await using var scope = host.Service.Services.CreateAsyncScope();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var client = (await applications.FindByClientIdAsync(clientId))!;
            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, client);
            descriptor.Properties[ClientRegistration.SeenProperty] = JsonSerializer.SerializeToElement(DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeSeconds());
            await applications.UpdateAsync(client, descriptor);
        }

        async Task<bool> KnownAsync()
        {
            await using var scope = host.Service.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().FindByClientIdAsync(clientId) is not null;
        }

        await AgeAsync();
        (await RegisterAsync(Metadata())).Status.Should().Be(HttpStatusCode.Created);
        (await pruning.PruneAsync(DateTimeOffset.UtcNow, CancellationToken.None)).Clients.Should().Be(0, "registering again is being seen: someone is signing in with it");
        (await KnownAsync()).Should().BeTrue();

        await AgeAsync();
        (await pruning.PruneAsync(DateTimeOffset.UtcNow, CancellationToken.None)).Clients.Should().Be(1);
        (await KnownAsync()).Should().BeFalse("a day unseen without a token left");

        var (status, body) = await RegisterAsync(Metadata());
        status.Should().Be(HttpStatusCode.Created, body.ToString());
        body.GetProperty("client_id").GetString().Should().Be(clientId, "the same metadata is the same client, pruned or not");
    }

    [Theory]
    [InlineData("token_endpoint_auth_method", "client_secret_basic", "invalid_client_metadata")]
    [InlineData("client_uri", "http://app.example.org/", "invalid_client_metadata")]
    [InlineData("client_uri", "https://localhost/", "invalid_client_metadata")]
    [InlineData("grant_types", "client_credentials", "invalid_client_metadata")]
    [InlineData("redirect_uris", "https://evil.example.net/callback", "invalid_redirect_uri")]
    [InlineData("redirect_uris", "http://192.0.2.1/callback", "invalid_redirect_uri")]
    [InlineData("redirect_uris", "org.example.app://host/callback", "invalid_redirect_uri")]
    [InlineData("redirect_uris", "https://app.example.org/cb#fragment", "invalid_redirect_uri")]
    public async Task MetadataOutsideThePolicyIsRefusedSayingWhy(string field, string value, string error)
    {
        var metadata = Metadata();
        metadata[field] = field is "grant_types" or "redirect_uris" ? new[] { value } : value;

        var (status, body) = await RegisterAsync(metadata);

        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Be(error);
        body.GetProperty("error_description").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task ANativeAppsOwnSchemeAndTheSitesHttpsAddressesAreAccepted()
    {
        (await RegisterAsync(Metadata("org.example.app:/callback"))).Status.Should().Be(HttpStatusCode.Created);
        (await RegisterAsync(Metadata("https://login.app.example.org/callback"))).Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task NotJsonIsAClearError()
    {
        using var browser = host.Browser();
        using var response = await browser.PostAsync("/oidc/oauth2/register", new StringContent("{not json", Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("invalid_client_metadata");
    }

    [Fact]
    public async Task ARegisteredClientGetsAnAccountOnlyAfterThePersonAllowsIt()
    {
        var clientId = (await RegisterAsync(Metadata())).Body.GetProperty("client_id").GetString()!;
        CodeFlow.Provisioned(host, "t1/ann");
        var session = await host.SessionByPasswordAsync("t1", "ann");
        var verifier = "verifier-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var query = $"/oidc/authorize?client_id={clientId}&redirect_uri={Uri.EscapeDataString(Redirect)}&response_type=code&state=s1"
            + $"&scope={Uri.EscapeDataString("openid urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ")}"
            + $"&code_challenge={Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))}&code_challenge_method=S256";

        // Silently: refused, the person was never asked.
        var silent = await GetAsync(query + "&prompt=none", session);
        HttpUtility.ParseQueryString(silent.Headers.Location!.Query)["error"].Should().Be("consent_required");

        // Asked: the consent page names the app and the account.
        var asked = await GetAsync(query, session);
        asked.Headers.Location!.OriginalString.Should().StartWith("/oidc/consent?returnUrl=");
        var (cookie, hidden) = await host.FormAsync(asked.Headers.Location.OriginalString, session);
        using var browser = host.Browser();
        var page = await (await Send(browser, asked.Headers.Location.OriginalString, session)).Content.ReadAsStringAsync();
        page.Should().Contain("Test app").And.Contain("@ann.one").And.Contain("app.example.org");

        // Cancel ends at the client with access_denied; Allow goes on to a code, and is remembered.
        using var denied = await browser.SendAsync(BrokenForms.Post("/oidc/consent", new FormUrlEncodedContent([.. hidden, new("answer", "deny")]), cookie));
        var deniedAt = await GetAsync(denied.Headers.Location!.OriginalString, session);
        HttpUtility.ParseQueryString(deniedAt.Headers.Location!.Query)["error"].Should().Be("access_denied");

        using var allowed = await browser.SendAsync(BrokenForms.Post("/oidc/consent", new FormUrlEncodedContent([.. hidden, new("answer", "allow")]), cookie));
        allowed.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var coded = await GetAsync(allowed.Headers.Location!.OriginalString, session);
        coded.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be(Redirect);
        var code = HttpUtility.ParseQueryString(coded.Headers.Location.Query)["code"];
        code.Should().NotBeNull();
        var again = await GetAsync(query + "&prompt=none", session);
        HttpUtility.ParseQueryString(again.Headers.Location!.Query)["code"].Should().NotBeNull("allowed once, not asked again");

        // A public client: the code and its verifier, no secret.
        using var token = await browser.PostAsync("/oidc/token", new FormUrlEncodedContent([
            new("grant_type", "authorization_code"), new("code", code!), new("redirect_uri", Redirect), new("code_verifier", verifier), new("client_id", clientId)]));
        var tokens = await token.Content.ReadFromJsonAsync<JsonElement>();
        token.StatusCode.Should().Be(HttpStatusCode.OK, tokens.ToString());
        tokens.TryGetProperty("refresh_token", out _).Should().BeTrue();
        tokens.TryGetProperty("id_token", out _).Should().BeTrue();

        // A consent names the sign-in's device: the pruning takes it once old (no pile of them); what stays are sign-ins with tokens.
        await host.Service.Services.GetServices<IHostedService>().OfType<OidcPruning>().Single().PruneAsync(DateTimeOffset.UtcNow.AddDays(30), CancellationToken.None);
        await using var scope = host.Service.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var grants = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        var issued = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var withoutTokens = 0;
        await foreach (var grant in grants.FindByApplicationIdAsync((await applications.GetIdAsync((await applications.FindByClientIdAsync(clientId))!))!))
        {
            var any = false;
            await foreach (var _ in issued.FindByAuthorizationIdAsync((await grants.GetIdAsync(grant))!))
            {
                any = true;
            }

            withoutTokens += any ? 0 : 1;
        }

        withoutTokens.Should().Be(0, "the consent is gone, the sign-ins stay");
    }

    [Fact]
    public async Task DiscoveryIsAlsoAtTheHostsRootWithTheRegistrationEndpoint()
    {
        using var browser = host.Browser();
        var root = await browser.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        var under = await browser.GetFromJsonAsync<JsonElement>("/oidc/.well-known/openid-configuration");
        root.GetProperty("issuer").GetString().Should().Be(under.GetProperty("issuer").GetString()).And.StartWith(host.Issuer);
        root.GetProperty("registration_endpoint").GetString().Should().Be(host.Issuer + "/oauth2/register");
        root.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(m => m.GetString())
            .Should().Contain("none", "the clients that register here are public").And.Contain(["client_secret_basic", "client_secret_post"], "configured clients still have secrets");
        root.GetProperty("revocation_endpoint_auth_methods_supported").EnumerateArray().Select(m => m.GetString()).Should().Contain("none");
    }

    [Fact]
    public async Task AnAddressRegistersAtMost30ClientsAMinute()
    {
        for (var i = 0; i < ClientRegistration.PerMinute; i++)
        {
            var metadata = Metadata();
            metadata["client_name"] = $"App {i}";
            (await RegisterAsync(metadata)).Status.Should().Be(HttpStatusCode.Created);
        }

        using var browser = host.Browser();
        using var response = await browser.PostAsJsonAsync("/oidc/oauth2/register", Metadata());

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(60));
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("temporarily_unavailable");
        ClientRegistration.PerMinute.Should().Be(30, "the README says 30");
    }

    private async Task<HttpResponseMessage> GetAsync(string url, string cookie)
    {
        using var browser = host.Browser();
        var response = await Send(browser, url, cookie);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return response;
    }

    private static async Task<HttpResponseMessage> Send(HttpClient browser, string url, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookie);
        return await browser.SendAsync(request);
    }
}
