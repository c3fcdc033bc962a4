using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace OpenMeet.Oidc.Keys;

/// <summary>
/// Signing and encryption keys generated on first start and kept in the data folder (never the
/// development certificate store, never ephemeral). Rotation adds a new signing key that signs from
/// then on; the previous one stays published in the JWKS so what it signed verifies until it expires.
/// </summary>
public static class IssuerKeys
{
    public const int KeptSigningKeys = 2;

    public static KeyFile LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), KeyFileJson.Default.KeyFile)
                ?? throw new InvalidDataException($"{path} is not a key file");
        }

        var keys = new KeyFile { Signing = [NewSigningKey()], Encryption = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        Save(path, keys);
        return keys;
    }

    /// <summary>Adds a new signing key in front; keeps the newest <see cref="KeptSigningKeys"/>.</summary>
    public static KeyFile Rotate(string path)
    {
        var keys = LoadOrCreate(path);
        keys.Signing = [NewSigningKey(), .. keys.Signing.Take(KeptSigningKeys - 1)];
        Save(path, keys);
        return keys;
    }

    public static IEnumerable<SecurityKey> SigningKeys(KeyFile keys) => keys.Signing.Select(k =>
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(k.Pem);
        return (SecurityKey)new RsaSecurityKey(rsa) { KeyId = k.Kid };
    });

    public static SecurityKey EncryptionKey(KeyFile keys) => new SymmetricSecurityKey(Convert.FromBase64String(keys.Encryption));

    private static SigningKeyEntry NewSigningKey()
    {
        using var rsa = RSA.Create(2048);
        return new SigningKeyEntry
        {
            Kid = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            Created = DateTime.UtcNow,
            Pem = rsa.ExportPkcs8PrivateKeyPem(),
        };
    }

    private static void Save(string path, KeyFile keys)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(keys, KeyFileJson.Default.KeyFile));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
