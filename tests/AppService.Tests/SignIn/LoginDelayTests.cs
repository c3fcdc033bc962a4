using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.Oidc.Pages;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// The password form after failures (issue 13): they were counted under the names as typed and locked
/// any named account for a quarter hour. Now they are counted by the account the names resolve to and
/// by the client's address (behind a proxy, from X-Forwarded-For only where the listener trusts it), as
/// waits that grow to a cap; overlong fields are refused before anything of them is kept.
/// </summary>
public sealed class LoginDelayTests : IAsyncLifetime
{
    private readonly ManualClock clock = new();
    private SignInHost host = null!;

    public async Task InitializeAsync() =>
        host = await SignInHost.StartAsync("[\"127.0.0.1\"]", s => s.AddSingleton(new LoginAttempts(clock)));

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task FailuresAgainstANamedAccountMakeItWaitAMinuteAtMostNeverLockIt()
    {
        for (var i = 0; i < 12; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(2));
            var (_, page) = await host.PasswordAsync("t1", "bob", "wrong", $"203.0.113.{i}");
            page.Should().Contain("The community, user name or password is wrong.", $"failure {i + 1} is heard, not refused");
        }

        var (refused, body) = await host.PasswordAsync("t1", "bob", SignInHost.Password, "198.51.100.1");
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter!.Delta.Should().Be(LoginAttempts.AccountCap);
        body.Should().Contain("Try again in 60 seconds.");

        clock.Advance(LoginAttempts.AccountCap);
        var (signedIn, _) = await host.PasswordAsync("t1", "bob", SignInHost.Password, "198.51.100.1");
        host.SessionUser(signedIn).Should().Be("t1/bob", "the owner signs in once the minute is over");
    }

    [Fact]
    public async Task NamesNobodyHasCountAgainstTheAddressOnly()
    {
        string[] nobody = ["BOB", "bob ", "Bob", "nobody", "a b", new string('x', 100)];
        foreach (var name in nobody)
        {
            clock.Advance(TimeSpan.FromMinutes(20));
            (await host.PasswordAsync("t1", name, "wrong", "203.0.113.50")).Body.Should().Contain("is wrong");
        }

        var (signedIn, _) = await host.PasswordAsync("t1", "bob", SignInHost.Password, "203.0.113.51");
        host.SessionUser(signedIn).Should().Be("t1/bob");
        Attempts.Keys.Should().BeEquivalentTo(["203.0.113.50"], "names nobody has leave no account behind");
    }

    [Fact]
    public async Task OverlongFieldsAreRefusedAndNothingOfThemIsKept()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        foreach (var (tenant, user, password) in new[] { ("t1", huge, "wrong"), (huge, "bob", "wrong"), ("t1", "bob", huge) })
        {
            clock.Advance(TimeSpan.FromMinutes(20));
            var (response, body) = await host.PasswordAsync(tenant, user, password, "203.0.113.60");
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            body.Should().Contain("is wrong").And.NotContain("xxxxxxxxxx", "what was typed is not sent back either");
        }

        Attempts.Keys.Should().BeEquivalentTo(["203.0.113.60"]);
    }

    [Fact]
    public async Task TheForwardedAddressCountsOnlyFromATrustedProxyAndOnlyItsLastHop()
    {
        for (var i = 0; i <= LoginAttempts.FreeFailures; i++)
        {
            // What the client wrote in X-Forwarded-For changes; what the trusted proxy appended does not.
            (await host.PasswordAsync("t1", "nobody", "wrong", $"10.9.9.{i}, 198.51.100.7")).Body.Should().Contain("is wrong");
        }

        (await host.PasswordAsync("t1", "nobody", "wrong", "10.9.9.99, 198.51.100.7")).Response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var (elsewhere, _) = await host.PasswordAsync("t1", "bob", SignInHost.Password, "198.51.100.8");
        host.SessionUser(elsewhere).Should().Be("t1/bob", "another client behind the same proxy");
    }

    [Fact]
    public async Task WithoutTrustedProxiesTheForwardedAddressIsIgnored()
    {
        await using var direct = await SignInHost.StartAsync(configure: s => s.AddSingleton(new LoginAttempts(clock)));
        for (var i = 0; i <= LoginAttempts.FreeFailures; i++)
        {
            (await direct.PasswordAsync("t1", "nobody", "wrong", $"198.51.100.{i}")).Body.Should().Contain("is wrong");
        }

        var (refused, _) = await direct.PasswordAsync("t1", "bob", SignInHost.Password, "198.51.100.99");
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "every try came from 127.0.0.1, whatever the header said");
    }

    private LoginAttempts Attempts => host.Service.Services.GetRequiredService<LoginAttempts>();
}
