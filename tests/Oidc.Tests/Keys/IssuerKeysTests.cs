using Microsoft.IdentityModel.Tokens;
using OpenMeet.Oidc.Keys;

namespace OpenMeet.Oidc.Tests.Keys;

public sealed class IssuerKeysTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"om-keys-{Guid.NewGuid():N}", "oidc-keys.json");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);

    [Fact]
    public void KeysAreMadeOnceKeptOnDiskAndPrivateToTheOwner()
    {
        var first = IssuerKeys.LoadOrCreate(path);
        var again = IssuerKeys.LoadOrCreate(path);

        again.Signing.Select(k => k.Kid).Should().Equal(first.Signing.Select(k => k.Kid));
        again.Encryption.Should().Be(first.Encryption);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        IssuerKeys.SigningKeys(first).Single().KeyId.Should().Be(first.Signing[0].Kid);
    }

    [Fact]
    public void RotationSignsWithANewKeyAndKeepsThePreviousForVerification()
    {
        var before = IssuerKeys.LoadOrCreate(path).Signing[0].Kid;

        var rotated = IssuerKeys.Rotate(path);
        var twice = IssuerKeys.Rotate(path);

        rotated.Signing.Select(k => k.Kid).Should().HaveCount(2).And.EndWith(before);
        twice.Signing.Should().HaveCount(IssuerKeys.KeptSigningKeys);
        twice.Signing[1].Kid.Should().Be(rotated.Signing[0].Kid);
        IssuerKeys.SigningKeys(twice).Should().AllBeOfType<RsaSecurityKey>();
    }
}
