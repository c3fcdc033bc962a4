using System.Net;
using System.Text;
using System.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OpenMeet.EndToEnd.Tests;

/// <summary>Sign in to Synapse with OpenMeet, the way a Matrix client does: SSO redirect, our pages, login token.</summary>
[Collection(nameof(LiveStackFixture))]
// Synapse's legacy SSO (oidc_providers, m.login.sso): not there when Synapse delegates authentication,
// so the auth-service lane leaves these out (tests/run.sh: Lane!=sso).
[Trait("Lane", "sso")]
public sealed class SsoEndToEndTests(LiveStackFixture stack)
{
    private const string ClientDone = "http://localhost/e2e-sso-done";
    private readonly OpenMeet om = new(stack);

    private string Hs => stack["HOMESERVER_URL"].TrimEnd('/');

    private string Public => stack["PUBLIC_URL"].TrimEnd('/');

    /// <summary>From Synapse's SSO redirect to our issuer; returns where the issuer sends the browser first.</summary>
    private async Task<string> StartAsync(Browserless browser)
    {
        var start = $"{Hs}/_matrix/client/v3/login/sso/redirect/oidc-openmeet?redirectUrl={Uri.EscapeDataString(ClientDone)}";
        var authorize = Browserless.Location(await browser.GetAsync(start), start);
        authorize.Should().StartWith(stack["OIDC_ISSUER"] + "/authorize?");
        authorize.Should().Contain("code_challenge_method=S256");
        return Browserless.Location(await browser.GetAsync(authorize), authorize);
    }

    /// <summary>Follows our issuer until it sends the browser back to Synapse, then on to the client; returns the session.</summary>
    private async Task<(string UserId, string AccessToken)> FinishAsync(Browserless browser, string url)
    {
        while (url.StartsWith(Public, StringComparison.Ordinal))
        {
            url = Browserless.Location(await browser.GetAsync(url), url);
        }

        url.Should().StartWith($"{Hs}/_synapse/client/oidc/callback?");
        var done = Browserless.Location(await browser.GetAsync(url), url);
        done.Should().StartWith(ClientDone + "?loginToken=");
        var token = HttpUtility.ParseQueryString(new Uri(done).Query)["loginToken"];
        var login = await stack.Synapse(null).PostJsonAsync("_matrix/client/v3/login", new { type = "m.login.token", token });
        return (login.GetProperty("user_id").GetString()!, login.GetProperty("access_token").GetString()!);
    }

    private async Task<string> PostFormAsync(Browserless browser, string page, string action, Dictionary<string, string> fields, HttpStatusCode expected = HttpStatusCode.Found)
    {
        var html = await (await browser.GetAsync(page)).Content.ReadAsStringAsync();
        var form = Browserless.Hidden(html);
        foreach (var (key, value) in fields)
        {
            form[key] = value;
        }

        var response = await browser.SendAsync(HttpMethod.Post, Public + action, form);
        response.StatusCode.Should().Be(expected, await response.Content.ReadAsStringAsync());
        return expected == HttpStatusCode.Found ? Browserless.Location(response, Public + action) : await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task SynapseOffersSignInWithOpenMeet()
    {
        var flows = await stack.Synapse(null).GetJsonAsync("_matrix/client/v3/login");
        var sso = flows.GetProperty("flows").EnumerateArray().Single(f => f.GetProperty("type").GetString() == "m.login.sso");
        sso.GetProperty("identity_providers").EnumerateArray().Select(p => p.GetProperty("id").GetString()).Should().Contain("oidc-openmeet");
    }

    [Fact]
    public async Task NewPersonSignsInPicksAHandleAndGetsThatMatrixIdAgainAndAgain()
    {
        var tenant = $"e2e{OpenMeet.Run}sso{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "SSO" });
        await om.PutAsync($"tenants/{tenant}/users/fay", new { name = "Fay Example", password = "correct horse battery" });
        await om.PutAsync($"tenants/{tenant}/users/taker", new { name = "Taker", handle = $"{tenant}.taken" });
        using var browser = new Browserless();

        var login = await StartAsync(browser);
        login.Should().StartWith(Public + "/oidc/login?returnUrl=");
        var wrong = await PostFormAsync(browser, login, "/oidc/login", new() { ["tenant"] = tenant, ["user"] = "fay", ["password"] = "wrong" }, HttpStatusCode.BadRequest);
        wrong.Should().Contain("The community, user name or password is wrong.");
        var next = await PostFormAsync(browser, login, "/oidc/login", new() { ["tenant"] = tenant, ["user"] = "fay", ["password"] = "correct horse battery" });
        next = Browserless.Location(await browser.GetAsync(next), next);
        next.Should().StartWith(Public + "/oidc/handle?returnUrl=", "a person without a handle picks one first");

        var taken = await PostFormAsync(browser, next, "/oidc/handle", new() { ["handle"] = $"{tenant}.taken" }, HttpStatusCode.Conflict);
        taken.Should().Contain("is taken").And.Contain("Free:");
        var chosen = $"{tenant}.fay";
        var back = await PostFormAsync(browser, next, "/oidc/handle", new() { ["handle"] = chosen });
        var (userId, token) = await FinishAsync(browser, back);

        userId.Should().Be(om.UserId(chosen));
        (await stack.Synapse(token).GetJsonAsync("_matrix/client/v3/account/whoami")).GetProperty("user_id").GetString().Should().Be(userId);

        // A second login (the issuer remembers the person) lands in the same account.
        var (again, _) = await FinishAsync(browser, await StartAsync(browser));
        again.Should().Be(userId);

        // Signing out at the issuer (confirmed on its page: a bare link signs nobody out) ends the Synapse
        // session through back-channel logout.
        var signedOut = await PostFormAsync(browser, stack["OIDC_ISSUER"] + "/logout", "/oidc/logout", []);
        signedOut.Should().Be(Public + "/oidc/signed-out");
        await Matrix.EventuallyAsync(async () =>
            (await stack.Synapse(token).GetAsync("_matrix/client/v3/account/whoami")).StatusCode == HttpStatusCode.Unauthorized ? "ended" : null,
            "the Synapse session ending after the issuer's logout");
    }

    [Fact]
    public async Task OpenMeetAssertionSignsSomeoneIn()
    {
        var tenant = $"e2e{OpenMeet.Run}om{Guid.NewGuid().ToString("N")[..4]}";
        await om.PutAsync($"tenants/{tenant}", new { name = "Assertions" });
        var handle = $"{tenant}.gus";
        await om.PutAsync($"tenants/{tenant}/users/gus", new { name = "Gus", handle });
        using var browser = new Browserless();

        var login = await StartAsync(browser);
        var html = await (await browser.GetAsync(login)).Content.ReadAsStringAsync();
        html.Should().Contain("Sign in with OpenMeet");
        var returnUrl = HttpUtility.ParseQueryString(new Uri(login).Query)["returnUrl"]!;
        var toOpenMeet = Browserless.Location(await browser.GetAsync($"{Public}/oidc/openmeet?returnUrl={Uri.EscapeDataString(returnUrl)}"), Public);
        var handoff = HttpUtility.ParseQueryString(new Uri(toOpenMeet).Query);

        // This test plays OpenMeet: it signs Gus in and sends the browser back with an assertion that
        // echoes the hand-off's nonce.
        var assertion = Assertion("gus", tenant, handoff["nonce"]!, TimeSpan.FromSeconds(50), out _);
        var callback = $"{handoff["redirect_uri"]}?assertion={Uri.EscapeDataString(assertion)}&state={Uri.EscapeDataString(handoff["state"]!)}";
        using var sameCookies = browser.Copy();
        var next = Browserless.Location(await browser.GetAsync(callback), callback);
        var (userId, _) = await FinishAsync(browser, next);
        userId.Should().Be(om.UserId(handle), "the provisioned account, linked by external_ids, never a second one");

        // The same callback again, with the hand-off's cookie as it was, is refused.
        var replay = await sameCookies.GetAsync(callback);
        replay.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await replay.Content.ReadAsStringAsync()).Should().Contain("used before");

        // And in another browser, which never set out (login CSRF), it signs nobody in.
        var elsewhere = await new Browserless().GetAsync(callback);
        elsewhere.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await elsewhere.Content.ReadAsStringAsync()).Should().Contain("not started in this browser");
    }

    private string Assertion(string slug, string tenant, string nonce, TimeSpan life, out string jti)
    {
        jti = Guid.NewGuid().ToString("N");
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = stack["OPENMEET_JWT_ISSUER"],
            Audience = stack["OIDC_ISSUER"],
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow,
            Expires = DateTime.UtcNow + life,
            Claims = new Dictionary<string, object> { ["sub"] = slug, ["tenant_id"] = tenant, ["name"] = "Gus", ["email"] = "gus@example.org", ["jti"] = jti, ["nonce"] = nonce },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(stack["OPENMEET_JWT_SECRET"])), SecurityAlgorithms.HmacSha256),
        });
    }
}
