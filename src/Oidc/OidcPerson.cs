namespace OpenMeet.Oidc;

/// <summary>Who signs in: an OpenMeet user of one tenant, as the issuer needs to know them.</summary>
public sealed record OidcPerson(
    string UserKey,
    string TenantId,
    string Slug,
    string Name,
    string? Email,
    bool EmailVerified,
    string? Handle,
    string? TenantDomain,
    bool Revoked)
{
    public string Subject => Subjects.For(TenantId, Slug);
}
