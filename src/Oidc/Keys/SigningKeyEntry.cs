namespace OpenMeet.Oidc.Keys;

public sealed class SigningKeyEntry
{
    public string Kid { get; set; } = "";
    public DateTime Created { get; set; }
    /// <summary>The RSA private key, PKCS#8 PEM.</summary>
    public string Pem { get; set; } = "";
}
