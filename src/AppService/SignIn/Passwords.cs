using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenMeet.AppService.SignIn;

/// <summary>Local-login passwords: PBKDF2-HMAC-SHA512 with a random salt, compared in constant time.</summary>
public static class Passwords
{
    private const int Iterations = 210_000;

    // What a password is checked against when there is no account (or no password) of that name: made
    // once, so that check costs one PBKDF2 run, as a real one does, and the timing tells nothing.
    private static readonly Lazy<string> NoAccount = new(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));

    [ThreadStatic]
    private static int runsOnThisThread;

    /// <summary>PBKDF2 runs made on the calling thread, for the tests that count what a sign-in costs.</summary>
    internal static int RunsOnThisThread => runsOnThisThread;

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Pbkdf2(password, salt, Iterations, 32);
        return $"pbkdf2-sha512${Iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string? stored)
    {
        if (stored?.Split('$') is not ["pbkdf2-sha512", var iterations, var salt, var hash])
        {
            return false;
        }

        var expected = Convert.FromBase64String(hash);
        var actual = Pbkdf2(password, Convert.FromBase64String(salt), int.Parse(iterations, CultureInfo.InvariantCulture), expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>
    /// True when the password matches the stored hash. Without a stored hash (no such person, or none
    /// set) it is checked against a dummy one and false: the same cost either way.
    /// </summary>
    public static bool VerifyOrDummy(string password, string? stored) =>
        Verify(password, stored ?? NoAccount.Value) && stored is not null;

    private static byte[] Pbkdf2(string password, byte[] salt, int iterations, int length)
    {
        runsOnThisThread++;
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, length);
    }
}
