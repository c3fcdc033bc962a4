using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenMeet.AppService.SignIn;

/// <summary>Local-login passwords: PBKDF2-HMAC-SHA512 with a random salt, compared in constant time.</summary>
public static class Passwords
{
    private const int Iterations = 210_000;

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA512, 32);
        return $"pbkdf2-sha512${Iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string? stored)
    {
        if (stored?.Split('$') is not ["pbkdf2-sha512", var iterations, var salt, var hash])
        {
            return false;
        }

        var expected = Convert.FromBase64String(hash);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(salt),
            int.Parse(iterations, CultureInfo.InvariantCulture), HashAlgorithmName.SHA512, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
