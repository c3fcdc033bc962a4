using System.Net;
using System.Net.Http.Json;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.Tests.SignIn;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>
/// Signing out at the issuer ends the person's Synapse sessions too, so a page of another site must not
/// do it for them (Lax cookies travel on a cross-site link): a client that names the person with a
/// valid id_token_hint signs them out at once, anyone else is asked on a page first.
/// </summary>
public sealed class LogoutTests : IAsyncLifetime
{
    private SignInHost host = null!;

    public async Task InitializeAsync()
    {
        host = await SignInHost.StartAsync();
        (await host.Api.PutAsJsonAsync("/internal/tenants/t1/users/bob", new { name = "Bob Builder", handle = "bob.one" })).EnsureSuccessStatusCode();
        CodeFlow.Provisioned(host, "t1/ann");
        CodeFlow.Provisioned(host, "t1/bob");
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>Sessions whose back-channel logout has not been sent (one per signed-in person here).</summary>
    private int Remembered => host.Service.Services.GetRequiredService<LiteDatabase>().GetCollection("oidc_sessions").Count();

    /// <summary>Signs the person in and through one authorization (which remembers the session); the cookie and the ID token.</summary>
    private async Task<(string Cookie, string IdToken)> SignedInAsync(string user)
    {
        var cookie = await host.SessionByPasswordAsync("t1", user);
        var flow = new CodeFlow(host);
        var tokens = await flow.RedeemAsync(await flow.CodeAsync(cookie));
        return (cookie, tokens.GetProperty("id_token").GetString()!);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string cookie, HttpContent? content = null)
    {
        using var browser = host.Browser();
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("Cookie", cookie);
        return await browser.SendAsync(request);
    }

    private static bool Ends(HttpResponseMessage response) => SignInHost.Cookies(response).Contains("openmeet.oidc.session=");

    private static bool Touches(HttpResponseMessage response) =>
        SignInHost.Cookies(response).Any(c => c.StartsWith("openmeet.oidc.session=", StringComparison.Ordinal));

    [Fact]
    public async Task ALinkWithoutAHintAsksFirstAndEndsNothing()
    {
        var (cookie, _) = await SignedInAsync("ann");
        Remembered.Should().Be(1);

        using var response = await SendAsync(HttpMethod.Get, "/oidc/logout", cookie);

        var page = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, page);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        page.Should().Contain("<form method=\"post\" action=\"/oidc/logout\">").And.Contain("name=\"__csrf\"").And.Contain("Ann");
        Touches(response).Should().BeFalse("the session stays until the person confirms");
        Remembered.Should().Be(1, "no back-channel logout was sent");
        await new CodeFlow(host).CodeAsync(cookie);
    }

    [Fact]
    public async Task AFormPostedFromAnotherSiteEndsNothing()
    {
        var (cookie, _) = await SignedInAsync("ann");

        foreach (var form in new[] { new Dictionary<string, string>(), new() { ["__csrf"] = "forged" }, new() { ["__csrf"] = "" } })
        {
            using var response = await SendAsync(HttpMethod.Post, "/oidc/logout", cookie, new FormUrlEncodedContent(form));

            var page = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, page);
            page.Should().Contain("<form method=\"post\" action=\"/oidc/logout\">");
            Touches(response).Should().BeFalse();
            Remembered.Should().Be(1);
        }
    }

    [Fact]
    public async Task ConfirmingOnThePageSignsOut()
    {
        var (cookie, _) = await SignedInAsync("ann");
        var (withCsrf, hidden) = await host.FormAsync("/oidc/logout", cookie);

        using var response = await SendAsync(HttpMethod.Post, "/oidc/logout", withCsrf, new FormUrlEncodedContent(hidden));

        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        response.Headers.Location!.OriginalString.Should().Be("/oidc/signed-out");
        Ends(response).Should().BeTrue();
        Remembered.Should().Be(0, "the session's back-channel logout went out");
    }

    [Fact]
    public async Task AClientNamingThePersonWithItsIdTokenSignsOutAtOnce()
    {
        var (cookie, idToken) = await SignedInAsync("ann");

        using var response = await SendAsync(HttpMethod.Get, $"/oidc/logout?id_token_hint={idToken}", cookie);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        Ends(response).Should().BeTrue();
        Remembered.Should().Be(0);
    }

    [Fact]
    public async Task AnIdTokenOfSomeoneElseAsksFirst()
    {
        var (_, annsToken) = await SignedInAsync("ann");
        var (bobsCookie, _) = await SignedInAsync("bob");

        foreach (var hint in new[] { annsToken, annsToken[..^4] + "AAAA", "not-a-token" })
        {
            using var response = await SendAsync(HttpMethod.Get, $"/oidc/logout?id_token_hint={hint}", bobsCookie);

            var page = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, page);
            page.Should().Contain("Bob Builder").And.NotContain(hint, "a hint that did not name this person is not carried on");
            Touches(response).Should().BeFalse();
            Remembered.Should().Be(2);
        }
    }

    [Fact]
    public async Task NobodySignedInIsSentOnWithoutAQuestion()
    {
        using var browser = host.Browser();

        using var response = await browser.GetAsync("/oidc/logout");

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.Should().Be("/oidc/signed-out");
    }
}
