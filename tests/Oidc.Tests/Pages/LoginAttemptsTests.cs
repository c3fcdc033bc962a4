using OpenMeet.Oidc.Pages;

namespace OpenMeet.Oidc.Tests.Pages;

public sealed class LoginAttemptsTests
{
    [Fact]
    public void AccountsAndAddressesWithoutRecentFailuresAreForgotten()
    {
        var attempts = new LoginAttempts();
        for (var i = 0; i < 500; i++)
        {
            attempts.Failed($"t/user-{i}", $"10.0.{i / 256}.{i % 256}");
        }

        attempts.Tracked.Should().Be(1000);
        attempts.Sweep(DateTime.UtcNow);
        attempts.Tracked.Should().Be(1000, "their failures are recent");
        attempts.Sweep(DateTime.UtcNow + LoginAttempts.Window + TimeSpan.FromSeconds(1));
        attempts.Tracked.Should().Be(0);
    }

    [Fact]
    public void FiveFailuresBlockTheAccount()
    {
        var attempts = new LoginAttempts();
        for (var i = 0; i < LoginAttempts.PerAccount; i++)
        {
            attempts.Blocked("t/ann", $"10.0.0.{i}").Should().BeFalse();
            attempts.Failed("t/ann", $"10.0.0.{i}");
        }

        attempts.Blocked("t/ann", "10.0.0.99").Should().BeTrue();
        attempts.Blocked("t/bob", "10.0.0.99").Should().BeFalse();
    }
}
