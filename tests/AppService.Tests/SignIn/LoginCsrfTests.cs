using System.Net;
using System.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// The hand-off to OpenMeet's login page is bound to the browser that set out (issue 13): an attacker's
/// state and the attacker's own assertion, opened in another browser, signed that browser in as the
/// attacker. Now the nonce in the browser's cookie, in the state and in the assertion must agree, once.
/// </summary>
public sealed class LoginCsrfTests : IAsyncLifetime
{
    private SignInHost host = null!;

    public async Task InitializeAsync() => host = await SignInHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnAttackersHandoffOpenedInAnotherBrowserSignsNobodyIn(bool victimSetOutToo)
    {
        // The attacker sets out in their own browser, and has OpenMeet sign them in there.
        using var attackerBrowser = host.Browser();
        var start = await attackerBrowser.GetAsync($"/oidc/openmeet?returnUrl={Uri.EscapeDataString(SignInHost.ReturnUrl)}");
        var sent = HttpUtility.ParseQueryString(start.Headers.Location!.Query);
        var assertion = host.Assertion("t1", "mallory", sent["nonce"]);
        var victimCookie = victimSetOutToo ? (await host.HandoffAsync()).Cookie : null;
        var before = host.State();

        // The victim's browser is made to open the callback with the attacker's state and assertion.
        using var victim = host.Browser();
        using var response = await victim.SendAsync(SignInHost.Callback(new Handoff(sent["state"]!, sent["nonce"]!, ""), assertion, victimCookie));

        SignInHost.ShouldBeReadableRefusal(response, await response.Content.ReadAsStringAsync(), "someone else's hand-off");
        host.SessionUser(response).Should().BeNull();
        host.State().Should().Be(before, "the attacker's assertion was not even read");
    }

    [Fact]
    public async Task TheCallbackTakesGetAndPostWhereCookieStateAndAssertionAgree()
    {
        var byPost = await host.HandoffAsync();
        using var browser = host.Browser();
        using var posted = await browser.SendAsync(SignInHost.Callback(byPost, host.Assertion("t1", "pat", byPost.Nonce)));
        posted.StatusCode.Should().Be(HttpStatusCode.Redirect, await posted.Content.ReadAsStringAsync());
        host.SessionUser(posted).Should().Be("t1/pat");

        var byGet = await host.HandoffAsync();
        using var get = new HttpRequestMessage(HttpMethod.Get,
            $"/oidc/openmeet/callback?state={Uri.EscapeDataString(byGet.State)}&assertion={Uri.EscapeDataString(host.Assertion("t1", "gil", byGet.Nonce))}");
        get.Headers.Add("Cookie", byGet.Cookie);
        using var got = await browser.SendAsync(get);
        got.StatusCode.Should().Be(HttpStatusCode.Redirect, await got.Content.ReadAsStringAsync());
        host.SessionUser(got).Should().Be("t1/gil");
    }

    [Theory]
    [InlineData("no nonce")]
    [InlineData("another sign-in's nonce")]
    public async Task AnAssertionThatDoesNotEchoTheHandoffsNonceIsRefused(string what)
    {
        var handoff = await host.HandoffAsync();
        var other = await host.HandoffAsync();
        var before = host.State();
        using var browser = host.Browser();

        using var response = await browser.SendAsync(SignInHost.Callback(handoff, host.Assertion("t1", "pat", what == "no nonce" ? null : other.Nonce)));

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, body);
        body.Should().Contain("its nonce is not the one this sign-in sent");
        host.SessionUser(response).Should().BeNull();
        host.State().Should().Be(before);
    }

    [Fact]
    public async Task AHandoffSignsInOnceAndItsCookieIsDeleted()
    {
        var handoff = await host.HandoffAsync();
        using var browser = host.Browser();
        using var first = await browser.SendAsync(SignInHost.Callback(handoff, host.Assertion("t1", "pat", handoff.Nonce)));
        host.SessionUser(first).Should().Be("t1/pat");
        first.Headers.GetValues("Set-Cookie").Should().Contain(c => c.StartsWith("openmeet.oidc.handoff=;", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970", StringComparison.Ordinal));

        // The same cookie and state again, even with a fresh assertion that echoes the nonce.
        using var again = await browser.SendAsync(SignInHost.Callback(handoff, host.Assertion("t1", "pat", handoff.Nonce)));

        again.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await again.Content.ReadAsStringAsync()).Should().Contain("used before");
        host.SessionUser(again).Should().BeNull();
    }

    [Fact]
    public async Task TheHandoffLivesFiveMinutesInAnHttpOnlyLaxCookieAndTheState()
    {
        using var browser = host.Browser();
        var start = await browser.GetAsync($"/oidc/openmeet?returnUrl={Uri.EscapeDataString(SignInHost.ReturnUrl)}");
        var sent = HttpUtility.ParseQueryString(start.Headers.Location!.Query);

        var cookie = start.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("openmeet.oidc.handoff=", StringComparison.Ordinal));
        cookie.Should().StartWith($"openmeet.oidc.handoff={sent["nonce"]};")
            .And.Contain("max-age=300").And.Contain("path=/oidc/openmeet").And.Contain("samesite=lax").And.Contain("httponly");
        host.Service.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("openmeet-handoff").ToTimeLimitedDataProtector()
            .Unprotect(sent["state"]!, out var expires);
        (expires - DateTimeOffset.UtcNow).Should().BeLessThanOrEqualTo(TimeSpan.FromMinutes(5));
    }
}
