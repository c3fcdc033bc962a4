using System.Net;
using System.Net.Http.Json;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// People pick their community on the login page by its name or web address, not by OpenMeet's id
/// (issue 15); the page shows the two ways to sign in apart.
/// </summary>
public sealed class CommunityPickerTests : IAsyncLifetime
{
    private SignInHost host = null!;

    public async Task InitializeAsync() => host = await SignInHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task TheLoginPageOffersOpenMeetOrAPasswordAndListsTheCommunitiesByName()
    {
        using var browser = host.Browser();
        var html = await browser.GetStringAsync($"/oidc/login?returnUrl={Uri.EscapeDataString(SignInHost.ReturnUrl)}");

        html.Should().ContainAll("Sign in with OpenMeet", "<p class=\"or\"><span>or</span></p>", "<h2>With a password</h2>");
        html.IndexOf("Sign in with OpenMeet", StringComparison.Ordinal).Should().BeLessThan(html.IndexOf(">or<", StringComparison.Ordinal));
        html.Should().Contain("list=\"communities\"")
            .And.Contain("<datalist id=\"communities\"><option value=\"one.example\">Tenant one</option><option value=\"t2\">Tenant two</option></datalist>",
                "by name; a community with a domain is picked by it, one without by its id");
    }

    [Theory]
    [InlineData("one.example")]
    [InlineData("ONE.example")]
    [InlineData("https://one.example/")]
    [InlineData("Tenant one")]
    [InlineData("  tenant ONE ")]
    [InlineData("t1")]
    public async Task ACommunityIsNamedByItsDomainItsNameOrItsId(string community)
    {
        var (response, body) = await host.PasswordAsync(community, "ann", SignInHost.Password);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect, body);
        host.SessionUser(response).Should().Be("t1/ann");
    }

    [Theory]
    [InlineData("T1")]
    [InlineData("two.example")]
    [InlineData("Tenant")]
    [InlineData("Tenant two")]
    public async Task WordsThatNameNoCommunityOfTheAccountSignNobodyIn(string community)
    {
        var (response, body) = await host.PasswordAsync(community, "ann", SignInHost.Password);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        body.Should().Contain("The community, user name or password is wrong.");
        host.SessionUser(response).Should().BeNull();
    }

    [Fact]
    public async Task ANameTwoCommunitiesShareNamesNeitherButTheirDomainsStillDo()
    {
        (await host.Api.PutAsJsonAsync("/internal/tenants/t3", new { name = "Tenant One", domain = "three.example" })).EnsureSuccessStatusCode();

        var (byName, _) = await host.PasswordAsync("Tenant one", "ann", SignInHost.Password);
        byName.StatusCode.Should().Be(HttpStatusCode.BadRequest, "two communities are called that");
        host.SessionUser(byName).Should().BeNull();

        var (byDomain, body) = await host.PasswordAsync("one.example", "ann", SignInHost.Password);
        byDomain.StatusCode.Should().Be(HttpStatusCode.Redirect, body);
        host.SessionUser(byDomain).Should().Be("t1/ann");
    }
}
