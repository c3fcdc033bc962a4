namespace OpenMeet.Oidc.Keys;

/// <summary>The issuer's keys on disk: signing keys newest first (the first signs), and the encryption key.</summary>
public sealed class KeyFile
{
    public List<SigningKeyEntry> Signing { get; set; } = [];
    public string Encryption { get; set; } = "";
}
