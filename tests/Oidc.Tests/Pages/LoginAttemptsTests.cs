using System.Net;
using OpenMeet.Oidc.Pages;

namespace OpenMeet.Oidc.Tests.Pages;

/// <summary>Failed sign-ins make the next try wait longer and longer, up to a cap; never a lock (issue 13).</summary>
public sealed class LoginAttemptsTests
{
    private readonly ManualClock clock = new();

    [Fact]
    public void AnAccountsWaitDoublesAfterThreeFailuresUpToAMinute()
    {
        var attempts = new LoginAttempts(clock);
        var waits = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            // Each from an address of its own, each once the wait before it is over.
            clock.Advance(TimeSpan.FromHours(0.5));
            attempts.Wait("t/ann", $"10.0.0.{i}").Should().Be(TimeSpan.Zero, $"try {i + 1}: the wait before it is over");
            attempts.Failed("t/ann", $"10.0.0.{i}");
            waits.Add(attempts.Wait("t/ann", "10.0.0.99").TotalSeconds);
        }

        waits.Should().Equal(0, 0, 0, 1, 2, 4, 8, 16, 32, 60);
        attempts.Wait("t/bob", "10.0.0.99").Should().Be(TimeSpan.Zero, "another account");
        clock.Advance(TimeSpan.FromSeconds(59));
        attempts.Wait("t/ann", "10.0.0.99").Should().Be(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        attempts.Wait("t/ann", "10.0.0.99").Should().Be(TimeSpan.Zero, "a wait, not a lock");
    }

    [Fact]
    public void AnAddressWaitsUpToAQuarterHourWhateverTheNamesItTries()
    {
        var attempts = new LoginAttempts(clock);
        for (var i = 0; i < 20; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(16));
            attempts.Failed(null, "203.0.113.7");
        }

        attempts.Wait(null, "203.0.113.7").Should().Be(LoginAttempts.AddressCap);
        attempts.Wait("t/ann", "203.0.113.7").Should().Be(LoginAttempts.AddressCap, "whichever account it tries");
        attempts.Wait("t/ann", "203.0.113.8").Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void ASignInClearsItsAccountButNotItsAddress()
    {
        var attempts = new LoginAttempts(clock);
        for (var i = 0; i < 5; i++)
        {
            attempts.Failed("t/ann", "203.0.113.7");
        }

        attempts.Succeeded("t/ann");

        attempts.Wait("t/ann", "203.0.113.8").Should().Be(TimeSpan.Zero);
        attempts.Wait("t/bob", "203.0.113.7").Should().BeGreaterThan(TimeSpan.Zero, "an account of one's own does not clear an address");
    }

    [Fact]
    public void FailuresAreForgottenAnHourAfterTheLast()
    {
        var attempts = new LoginAttempts(clock);
        for (var i = 0; i < 500; i++)
        {
            attempts.Failed($"t/user-{i}", $"10.0.{i / 256}.{i % 256}");
        }

        attempts.Tracked.Should().Be(1000);
        attempts.Sweep(clock.GetUtcNow().UtcDateTime);
        attempts.Tracked.Should().Be(1000, "their failures are recent");
        attempts.Sweep((clock.GetUtcNow() + LoginAttempts.ForgetAfter + TimeSpan.FromSeconds(1)).UtcDateTime);
        attempts.Tracked.Should().Be(0);
    }

    [Fact]
    public void TheTableHoldsAtMostItsBoundTheLongestQuietGoingFirst()
    {
        var attempts = new LoginAttempts(clock);
        attempts.Failed("t/ann", "192.0.2.1");
        for (var i = 0; i < LoginAttempts.MaxEntries + 5_000; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            attempts.Failed(null, $"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}");
        }

        attempts.Tracked.Should().BeLessThanOrEqualTo(LoginAttempts.MaxEntries + 1);
        attempts.Keys.Should().Contain("t/ann", "accounts have a table of their own, which addresses cannot flush")
            .And.NotContain("192.0.2.1", "the longest quiet address went first")
            .And.Contain($"10.{(LoginAttempts.MaxEntries + 4_999) >> 16}.{((LoginAttempts.MaxEntries + 4_999) >> 8) & 255}.{(LoginAttempts.MaxEntries + 4_999) & 255}");
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    public void AddressesCountAsIPv4OrByTheirIPv6Slash64(string address, string key) =>
        LoginAttempts.AddressKey(IPAddress.Parse(address)).Should().Be(key);
}
