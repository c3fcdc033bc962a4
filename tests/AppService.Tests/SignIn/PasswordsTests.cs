using OpenMeet.AppService.SignIn;

namespace OpenMeet.AppService.Tests.SignIn;

public sealed class PasswordsTests
{
    [Fact]
    public void HashVerifiesOnlyItsOwnPasswordAndIsSalted()
    {
        var hash = Passwords.Hash("correct horse battery");

        hash.Should().StartWith("pbkdf2-sha512$210000$").And.NotContain("correct horse");
        Passwords.Verify("correct horse battery", hash).Should().BeTrue();
        Passwords.Verify("correct horse batterY", hash).Should().BeFalse();
        Passwords.Hash("correct horse battery").Should().NotBe(hash, "every hash has its own salt");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain-text")]
    [InlineData("md5$abc$def")]
    public void AnythingButOurHashVerifiesNothing(string? stored) => Passwords.Verify("anything", stored).Should().BeFalse();
}
