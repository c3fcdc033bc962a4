using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OpenMeet.EndToEnd.Tests;

/// <summary>The issuer's protocol edges, with a relying party written here (openid-client checks the happy path independently).</summary>
[Collection(nameof(LiveStackFixture))]
public sealed class OidcProtocolEndToEndTests(LiveStackFixture stack)
{
    private readonly OpenMeet om = new(stack);

    private string Issuer => stack["OIDC_ISSUER"];

    private string ClientId => stack["OIDC_TEST_CLIENT_ID"];

    private string Secret => stack["OIDC_TEST_CLIENT_SECRET"];

    private string RedirectUri => stack["OIDC_TEST_REDIRECT_URI"];

    private sealed record Grant(string Code, string Verifier);

    /// <summary>A person with a handle and a password, signed in through the login form; returns the code.</summary>
    private async Task<Grant> AuthorizeAsync(Browserless? browser = null, string? prompt = null)
    {
        var tenant = $"e2e{OpenMeet.Run}rp{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "RP" });
        await om.PutAsync($"tenants/{tenant}/users/hal", new { name = "Hal", handle = $"{tenant}.hal", password = "a long enough password" });
        browser ??= new Browserless();
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var url = AuthorizeUrl(verifier, prompt);
        var next = Browserless.Location(await browser.GetAsync(url), url);
        if (next.StartsWith(Issuer + "/login", StringComparison.Ordinal))
        {
            var html = await (await browser.GetAsync(next)).Content.ReadAsStringAsync();
            var form = Browserless.Hidden(html);
            form["tenant"] = tenant;
            form["user"] = "hal";
            form["password"] = "a long enough password";
            next = Browserless.Location(await browser.SendAsync(HttpMethod.Post, Issuer + "/login", form), Issuer + "/login");
            next = Browserless.Location(await browser.GetAsync(next), next);
        }

        next.Should().StartWith(RedirectUri + "?");
        var query = HttpUtility.ParseQueryString(new Uri(next).Query);
        return new Grant(query["code"] ?? throw new InvalidOperationException($"no code in {next}"), verifier);
    }

    private string AuthorizeUrl(string verifier, string? prompt = null, string? redirectUri = null, string? clientId = null) =>
        $"{Issuer}/authorize?client_id={Uri.EscapeDataString(clientId ?? ClientId)}&response_type=code&scope=openid%20profile%20offline_access"
        + $"&redirect_uri={Uri.EscapeDataString(redirectUri ?? RedirectUri)}&state=s{Guid.NewGuid():N}&nonce=n{Guid.NewGuid():N}"
        + $"&code_challenge={Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))}&code_challenge_method=S256"
        + (prompt is null ? "" : $"&prompt={prompt}");

    private async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(Dictionary<string, string> form, bool basic = true, string? secret = null)
    {
        using var http = new HttpClient();
        if (basic)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(ClientId)}:{Uri.EscapeDataString(secret ?? Secret)}")));
        }
        else
        {
            form["client_id"] = ClientId;
            form["client_secret"] = secret ?? Secret;
        }

        var response = await http.PostAsync(Issuer + "/token", new FormUrlEncodedContent(form));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private Dictionary<string, string> CodeForm(Grant grant, string? verifier = null, string? redirectUri = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = grant.Code, ["redirect_uri"] = redirectUri ?? RedirectUri };
        if ((verifier ?? grant.Verifier) is { Length: > 0 } v)
        {
            form["code_verifier"] = v;
        }

        return form;
    }

    [Fact]
    public async Task CodeIsRedeemedOnceAndReusingItRevokesWhatItIssued()
    {
        var grant = await AuthorizeAsync();

        var (status, tokens) = await TokenAsync(CodeForm(grant));
        status.Should().Be(HttpStatusCode.OK);
        var refresh = tokens.GetProperty("refresh_token").GetString()!;

        var (again, error) = await TokenAsync(CodeForm(grant));
        again.Should().Be(HttpStatusCode.BadRequest);
        error.GetProperty("error").GetString().Should().Be("invalid_grant");

        var (refreshed, refreshError) = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        refreshed.Should().Be(HttpStatusCode.BadRequest, "tokens issued with a code that was used twice are revoked");
        refreshError.GetProperty("error").GetString().Should().Be("invalid_grant");
    }

    [Fact]
    public async Task WrongOrMissingPkceVerifierIsRefused()
    {
        var grant = await AuthorizeAsync();
        var (wrong, body) = await TokenAsync(CodeForm(grant, verifier: Base64Url(RandomNumberGenerator.GetBytes(32))));
        wrong.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Be("invalid_grant");

        var other = await AuthorizeAsync();
        var (missing, missingBody) = await TokenAsync(CodeForm(other, verifier: ""));
        missing.Should().Be(HttpStatusCode.BadRequest);
        missingBody.GetProperty("error").GetString().Should().BeOneOf("invalid_request", "invalid_grant");
    }

    [Fact]
    public async Task ExpiredCodeIsRefused()
    {
        var grant = await AuthorizeAsync();
        await Task.Delay(TimeSpan.FromSeconds(17)); // the dev stack's oidc.code_lifetime_seconds is 15

        var (status, body) = await TokenAsync(CodeForm(grant));

        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Be("invalid_grant");
    }

    [Fact]
    public async Task RepeatedFailedLoginsAreLimitedPerAccount()
    {
        var tenant = $"e2e{OpenMeet.Run}lim{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Limits" });
        await om.PutAsync($"tenants/{tenant}/users/joy", new { name = "Joy", handle = $"{tenant}.joy", password = "the right password" });
        var browser = new Browserless(Browserless.OwnLoopbackAddress());
        var url = AuthorizeUrl("verifier-verifier-verifier-verifier-verifier");
        var login = Browserless.Location(await browser.GetAsync(url), url);

        async Task<HttpResponseMessage> TryAsync(string password)
        {
            var form = Browserless.Hidden(await (await browser.GetAsync(login)).Content.ReadAsStringAsync());
            form["tenant"] = tenant;
            form["user"] = "joy";
            form["password"] = password;
            return await browser.SendAsync(HttpMethod.Post, Issuer + "/login", form);
        }

        for (var i = 0; i < 4; i++)
        {
            (await (await TryAsync("a wrong password")).Content.ReadAsStringAsync()).Should().Contain("The community, user name or password is wrong.");
        }

        // Three failures are free; after the fourth the next try waits 1 s, then 2, 4... Growing delays rather
        // than a lock: even the right password waits its turn, then gets in.
        var slowed = await TryAsync("the right password");
        slowed.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await slowed.Content.ReadAsStringAsync()).Should().Contain("Too many failed attempts. Try again in 1 second.");
        var wait = slowed.Headers.RetryAfter!.Delta!.Value;
        await Task.Delay(wait + TimeSpan.FromMilliseconds(200));
        (await TryAsync("the right password")).StatusCode.Should().BeOneOf([HttpStatusCode.Found, HttpStatusCode.SeeOther], "the wait is over");
    }

    [Fact]
    public async Task WrongClientSecretIsRefused()
    {
        var grant = await AuthorizeAsync();
        var (status, body) = await TokenAsync(CodeForm(grant), secret: "not-the-secret-at-all-0123456789");
        status.Should().Be(HttpStatusCode.Unauthorized);
        body.GetProperty("error").GetString().Should().Be("invalid_client");
    }

    [Fact]
    public async Task BothClientAuthenticationMethodsWorkAndRefreshToo()
    {
        var (basic, basicTokens) = await TokenAsync(CodeForm(await AuthorizeAsync()), basic: true);
        basic.Should().Be(HttpStatusCode.OK);
        var (post, postTokens) = await TokenAsync(CodeForm(await AuthorizeAsync()), basic: false);
        post.Should().Be(HttpStatusCode.OK);

        var (refreshed, refreshedTokens) = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = postTokens.GetProperty("refresh_token").GetString()! });
        refreshed.Should().Be(HttpStatusCode.OK);
        refreshedTokens.GetProperty("refresh_token").GetString().Should().NotBe(postTokens.GetProperty("refresh_token").GetString(), "refresh tokens rotate");

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", basicTokens.GetProperty("access_token").GetString());
        var userinfo = await http.GetFromJsonAsync<JsonElement>(Issuer + "/userinfo");
        userinfo.GetProperty("matrix_handle").GetString().Should().EndWith(".hal");
        var idToken = new JsonWebToken(basicTokens.GetProperty("id_token").GetString());
        userinfo.GetProperty("sub").GetString().Should().Be(idToken.Subject);
        idToken.Issuer.Should().Be(Issuer);
        idToken.Audiences.Should().Equal(ClientId);
        (await new HttpClient().GetAsync(Issuer + "/userinfo")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RedirectUriThatDiffersAtTheTokenEndpointIsRefused()
    {
        var grant = await AuthorizeAsync();
        var (status, body) = await TokenAsync(CodeForm(grant, redirectUri: "http://127.0.0.1:8765/elsewhere"));
        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().Should().Be("invalid_grant");
    }

    [Theory]
    [InlineData("unregistered redirect_uri")]
    [InlineData("unknown client")]
    public async Task BadClientOrRedirectUriGetsAnErrorPageNeverARedirect(string what)
    {
        var url = what == "unknown client"
            ? AuthorizeUrl("v", clientId: "no-such-client")
            : AuthorizeUrl("v", redirectUri: "http://evil.example/callback");

        var response = await new Browserless().GetAsync(url);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Location.Should().BeNull();
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        (await response.Content.ReadAsStringAsync()).Should().Contain("This sign-in cannot go on");
    }

    [Fact]
    public async Task PromptNoneWithoutASessionAnswersLoginRequired()
    {
        var url = AuthorizeUrl("verifier-verifier-verifier-verifier-verifier", prompt: "none");
        var back = Browserless.Location(await new Browserless().GetAsync(url), url);
        back.Should().StartWith(RedirectUri + "?");
        HttpUtility.ParseQueryString(new Uri(back).Query)["error"].Should().Be("login_required");
    }

    [Fact]
    public async Task PromptLoginAsksForTheLoginAgain()
    {
        var browser = new Browserless();
        await AuthorizeAsync(browser);
        var url = AuthorizeUrl("verifier-verifier-verifier-verifier-verifier", prompt: "login");
        Browserless.Location(await browser.GetAsync(url), url).Should().StartWith(Issuer + "/login?returnUrl=");
    }

    [Theory]
    [InlineData("expired", "has expired")]
    [InlineData("audience", "another audience")]
    [InlineData("long-lived", "longer than a minute")]
    public async Task BadOpenMeetAssertionsAreRefused(string what, string message)
    {
        var tenant = $"e2e{OpenMeet.Run}as{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Assertions" });
        var browser = new Browserless();
        var url = AuthorizeUrl("verifier-verifier-verifier-verifier-verifier");
        var login = Browserless.Location(await browser.GetAsync(url), url);
        var returnUrl = HttpUtility.ParseQueryString(new Uri(login).Query)["returnUrl"]!;
        var handoff = HttpUtility.ParseQueryString(new Uri(Browserless.Location(
            await browser.GetAsync($"{stack["PUBLIC_URL"]}/oidc/openmeet?returnUrl={Uri.EscapeDataString(returnUrl)}"), stack["PUBLIC_URL"])).Query);
        var now = DateTime.UtcNow;
        var (issued, expires, audience) = what switch
        {
            "expired" => (now.AddMinutes(-5), now.AddMinutes(-4), Issuer),
            "audience" => (now, now.AddSeconds(50), "someone-else"),
            _ => (now, now.AddMinutes(10), Issuer),
        };
        var assertion = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = stack["OPENMEET_JWT_ISSUER"],
            Audience = audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = "ivy", ["tenant_id"] = tenant, ["jti"] = Guid.NewGuid().ToString("N"), ["nonce"] = handoff["nonce"]! },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(stack["OPENMEET_JWT_SECRET"])), SecurityAlgorithms.HmacSha256),
        });

        var response = await browser.GetAsync($"{handoff["redirect_uri"]}?assertion={Uri.EscapeDataString(assertion)}&state={Uri.EscapeDataString(handoff["state"]!)}");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).Should().Contain(message);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
