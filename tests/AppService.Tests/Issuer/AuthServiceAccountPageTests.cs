using System.Globalization;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Tests.Reconciliation;
using OpenMeet.AppService.Tests.SignIn;
using OpenMeet.Oidc;
using OpenMeet.Oidc.AuthService;
using OpenMeet.Oidc.Endpoints;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>
/// oidc.mode matrix_auth_service (issue 16): the account page Synapse and Matrix apps link to
/// (account_management_uri with MSC4191's actions): the signed-in apps with a sign-out for each, and
/// the approval Synapse asks for before someone resets their cross-signing keys.
/// </summary>
public sealed class AuthServiceAccountPageTests : IAsyncLifetime
{
    private const string Device = "OMDEVICEPAGE01";
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

    /// <summary>Ann signed in here, and an app signed in as her on the device; her issuer cookie and the app's tokens.</summary>
    private async Task<(string Cookie, JsonElement Tokens)> SignedInAsync(string device = Device)
    {
        CodeFlow.Provisioned(host, "t1/ann");
        var cookie = await host.SessionByPasswordAsync("t1", "ann");
        var flow = new CodeFlow(host);
        return (cookie, await flow.RedeemAsync(await flow.CodeAsync(cookie, $"openid urn:matrix:client:api:* urn:matrix:client:device:{device}")));
    }

    private async Task<(HttpStatusCode Status, string Body, Uri? Location)> GetAsync(string page, string? cookie)
    {
        using var browser = host.Browser();
        using var request = new HttpRequestMessage(HttpMethod.Get, page);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await browser.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location);
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string cookie, Dictionary<string, string> fields)
    {
        using var browser = host.Browser();
        using var response = await browser.SendAsync(BrokenForms.Post(path, new FormUrlEncodedContent(fields), cookie));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<bool> ActiveAsync(string token) => (await host.IntrospectAsync(token)).Body.GetProperty("active").GetBoolean();

    [Fact]
    public async Task SomeoneNotSignedInSignsInAndComesBackToTheSameAction()
    {
        var (status, _, location) = await GetAsync("/oidc/account?action=org.matrix.sessions_list", cookie: null);

        status.Should().Be(HttpStatusCode.Redirect);
        location!.OriginalString.Should().Be("/oidc/login?returnUrl=" + Uri.EscapeDataString("/oidc/account?action=org.matrix.sessions_list"));
        var (cookie, hidden) = await host.FormAsync(location.OriginalString);
        using var browser = host.Browser();
        using var signedIn = await browser.SendAsync(BrokenForms.Post("/oidc/login",
            new FormUrlEncodedContent([.. hidden, new("tenant", "t1"), new("user", "ann"), new("password", SignInHost.Password)]), cookie));
        signedIn.StatusCode.Should().Be(HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync());
        signedIn.Headers.Location!.OriginalString.Should().Be("/oidc/account?action=org.matrix.sessions_list");

        // Another site, or another page, is never a place to come back to.
        (await GetAsync("/oidc/login?returnUrl=" + Uri.EscapeDataString("/oidc/account//evil.example"), null)).Body.Should().Contain("Nothing to sign in to");
        (await GetAsync("/oidc/login?returnUrl=" + Uri.EscapeDataString("/oidc/accountx"), null)).Body.Should().Contain("Nothing to sign in to");
    }

    [Fact]
    public async Task TheAppsSignedInAreListedAndOneIsSignedOutAtOnceInSynapse()
    {
        var (cookie, tokens) = await SignedInAsync();
        await SignedInAsync("OMDEVICEPAGE02");
        synapse.Account("ann.one")!.Devices.Keys.Should().Contain([Device, "OMDEVICEPAGE02"]);

        var (status, page, _) = await GetAsync("/oidc/account", cookie);
        status.Should().Be(HttpStatusCode.OK, page);
        page.Should().Contain("@ann.one").And.Contain(Device).And.Contain("OMDEVICEPAGE02");

        // What Element links to for one session: the app, and a sign-out.
        var end = $"/oidc/account?action=org.matrix.session_end&device_id={Device}";
        (await GetAsync(end, cookie)).Body.Should().Contain("Sign it out").And.NotContain("OMDEVICEPAGE02");
        var (formCookie, hidden) = await host.FormAsync(end, cookie);
        hidden["device_id"].Should().Be(Device);

        var (posted, body) = await PostAsync("/oidc/account/sign-out", formCookie, hidden);

        posted.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain("has ended");
        synapse.Account("ann.one")!.Devices.Keys.Should().Equal(["OMDEVICEPAGE02"], "only that session ends, and in Synapse at once");
        (await ActiveAsync(tokens.GetProperty("access_token").GetString()!)).Should().BeFalse();
        using var refresh = await CodeFlow.TryRefreshAsync(host, tokens.GetProperty("refresh_token").GetString()!);
        refresh.StatusCode.Should().Be(HttpStatusCode.BadRequest, "the app cannot refresh its way back in");
        var after = (await GetAsync("/oidc/account?action=org.matrix.sessions_list", cookie)).Body;
        after.Should().NotContain(Device).And.Contain("OMDEVICEPAGE02");
        (await GetAsync($"/oidc/account?action=org.matrix.device_view&device_id={Device}", cookie)).Body.Should().Contain("not signed in through this page now");
        host.Service.Log.ToString().Should().Contain($"t1/ann signed out their session {Device} on the account page");
    }

    [Fact]
    public async Task AnAppSigningOutByRevokingItsAccessTokenEndsItsWholeSession()
    {
        // OpenMeet's web client, whose session the credential API gets, is such an app too.
        var (cookie, _) = await SignedInAsync();
        const string web = "OMWEBDEVICE01";
        using var browser = host.Browser();
        using var issued = await browser.PostAsync("/oidc/token", new FormUrlEncodedContent([
            new("grant_type", CredentialGrant.Type), new("client_id", CredentialGrant.WebClientId),
            new("assertion", host.Service.Services.GetRequiredService<CredentialGrant>().Mint(host.Issuer, "t1/ann", web))]));
        var tokens = await issued.Content.ReadFromJsonAsync<JsonElement>();
        issued.StatusCode.Should().Be(HttpStatusCode.OK, tokens.ToString());
        (await GetAsync("/oidc/account", cookie)).Body.Should().Contain(web);

        using var revoked = await browser.PostAsync("/oidc/oauth2/revoke", new FormUrlEncodedContent([
            new("token", tokens.GetProperty("access_token").GetString()!), new("token_type_hint", "access_token"), new("client_id", CredentialGrant.WebClientId)]));
        revoked.StatusCode.Should().Be(HttpStatusCode.OK, await revoked.Content.ReadAsStringAsync());

        synapse.Account("ann.one")!.Devices.Keys.Should().Equal([Device], "that session's device is deleted, the other app's stays");
        using var refresh = await browser.PostAsync("/oidc/token", new FormUrlEncodedContent([
            new("grant_type", "refresh_token"), new("refresh_token", tokens.GetProperty("refresh_token").GetString()!), new("client_id", CredentialGrant.WebClientId)]));
        refresh.StatusCode.Should().Be(HttpStatusCode.BadRequest, "signing out ends the refresh token too (RFC 7009 2.1), not only the access token");
        (await GetAsync("/oidc/account", cookie)).Body.Should().NotContain(web).And.Contain(Device);
    }

    [Fact]
    public async Task AResetOfTheCrossSigningKeysIsAllowedInSynapseOnlyFromTheForm()
    {
        var (cookie, _) = await SignedInAsync();
        var reset = "/oidc/account?action=org.matrix.cross_signing_reset";
        (await GetAsync(reset, cookie)).Body.Should().Contain("Reset your encryption identity?").And.Contain("@ann.one");
        var (formCookie, hidden) = await host.FormAsync(reset, cookie);

        var (forged, _) = await PostAsync("/oidc/account/cross-signing-reset", cookie, []);
        forged.Should().Be(HttpStatusCode.BadRequest, "a form that did not come from the page is refused");
        synapse.Calls.Should().NotContain(c => c.Contains("allow_cross_signing_reset", StringComparison.Ordinal));

        var (status, body) = await PostAsync("/oidc/account/cross-signing-reset", formCookie, hidden);

        status.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain("10 minutes");
        synapse.Calls.Should().Contain("mas allow_cross_signing_reset {\"localpart\":\"ann.one\"}");
        host.Service.Log.ToString().Should().Contain("t1/ann allowed a reset of their cross-signing keys");
    }

    [Fact]
    public async Task ADeviceNoSignInHereKnowsOfCanBeSignedOutByItsOwnerOnly()
    {
        // A device left from before the move to this mode: Synapse lets no client delete devices now.
        var (ann, _) = await SignedInAsync();
        synapse.SetAccount("ann.one", synapse.Account("ann.one")! with { Devices = new Dictionary<string, string?> { [Device] = "app", ["OLDSSODEVICE"] = "old" } });
        var end = "/oidc/account?action=org.matrix.device_delete&device_id=OLDSSODEVICE";
        (await GetAsync(end, ann)).Body.Should().Contain("not signed in through this page now").And.Contain("Sign it out");

        // Bob posting Ann's device ends nothing of Ann's: only his own account is ever touched.
        (await host.Api.PutAsJsonAsync("/internal/tenants/t1/users/bob", new { name = "Bob Builder", handle = "bob.b", password = SignInHost.Password })).EnsureSuccessStatusCode();
        CodeFlow.Provisioned(host, "t1/bob");
        var bob = await host.SessionByPasswordAsync("t1", "bob");
        var (bobCookie, bobHidden) = await host.FormAsync(end, bob);
        (await PostAsync("/oidc/account/sign-out", bobCookie, bobHidden)).Status.Should().Be(HttpStatusCode.OK);
        synapse.Account("ann.one")!.Devices.Keys.Should().BeEquivalentTo([Device, "OLDSSODEVICE"]);

        var (cookie, hidden) = await host.FormAsync(end, ann);
        (await PostAsync("/oidc/account/sign-out", cookie, hidden)).Status.Should().Be(HttpStatusCode.OK);
        synapse.Account("ann.one")!.Devices.Keys.Should().Equal([Device]);
        (await GetAsync("/oidc/account?action=org.matrix.session_end&device_id=short", ann)).Body.Should().Contain("not a session");
    }

    [Fact]
    public async Task AResetNeedsARecentSignIn()
    {
        CodeFlow.Provisioned(host, "t1/ann");
        var identity = new ClaimsIdentity(OidcIssuer.SessionScheme);
        identity.AddClaim(new Claim(Identity.UserKeyClaim, "t1/ann"));
        identity.AddClaim(new Claim("sid", "old-session"));
        identity.AddClaim(new Claim("auth_time", DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        var ticket = host.Service.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(OidcIssuer.SessionScheme)
            .TicketDataFormat.Protect(new AuthenticationTicket(new ClaimsPrincipal(identity), OidcIssuer.SessionScheme));
        var stale = $"openmeet.oidc.session={ticket}";
        var reset = "/oidc/account?action=org.matrix.cross_signing_reset";

        var (status, page, _) = await GetAsync(reset, stale);

        status.Should().Be(HttpStatusCode.OK, page);
        page.Should().Contain("sign in again first").And.Contain(WebUtility.HtmlEncode("/oidc/login?returnUrl=" + Uri.EscapeDataString(reset))).And.NotContain("Allow the reset");
        (await GetAsync("/oidc/account", stale)).Body.Should().Contain("@ann.one", "the rest of the page needs no fresh sign-in");
        var (cookie, hidden) = await host.FormAsync("/oidc/account?action=org.matrix.session_end&device_id=ANYDEVICE01", stale);
        (await PostAsync("/oidc/account/cross-signing-reset", cookie, hidden)).Status.Should().Be(HttpStatusCode.Forbidden);
        synapse.Calls.Should().NotContain(c => c.Contains("allow_cross_signing_reset", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARevokedPersonGetsNothingFromThePage()
    {
        var (cookie, _) = await SignedInAsync();
        (await host.Api.DeleteAsync("/internal/tenants/t1/users/ann")).StatusCode.Should().Be(HttpStatusCode.Accepted);

        var (status, body, _) = await GetAsync("/oidc/account", cookie);

        status.Should().Be(HttpStatusCode.Forbidden);
        body.Should().Contain("revoked").And.NotContain(Device);
    }

    [Fact]
    public async Task DiscoveryListsWhatThePageDoes()
    {
        using var browser = host.Browser();
        var discovery = await browser.GetFromJsonAsync<JsonElement>("/oidc/.well-known/openid-configuration");

        discovery.GetProperty("account_management_actions_supported").EnumerateArray().Select(a => a.GetString()).Should().BeEquivalentTo(AccountPage.Actions)
            .And.Contain(["org.matrix.sessions_list", "org.matrix.session_end", "org.matrix.device_delete", "org.matrix.cross_signing_reset"]);
    }
}
