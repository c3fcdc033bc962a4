using System.Security.Cryptography;
using System.Text;

namespace OpenMeet.Oidc;

/// <summary>
/// The OIDC <c>sub</c> of an OpenMeet user: stable, and unique across tenants (a user is a slug within
/// a tenant, so the pair is hashed). Synapse links an account to it through <c>external_ids</c>.
/// </summary>
public static class Subjects
{
    /// <summary>The subject of a user key (<c>tenant/slug</c>).</summary>
    public static string ForKey(string userKey)
    {
        var slash = userKey.IndexOf('/', StringComparison.Ordinal);
        return For(userKey[..slash], userKey[(slash + 1)..]);
    }

    public static string For(string tenantId, string userSlug)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{tenantId}/{userSlug}"));
        return "om1" + Convert.ToHexStringLower(hash, 0, 16);
    }
}
