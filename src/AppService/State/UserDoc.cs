using LiteDB;

namespace OpenMeet.AppService.State;

/// <summary>An OpenMeet user of one tenant; <see cref="UserId"/> is set once their Matrix account exists.</summary>
public sealed class UserDoc
{
    /// <summary><c>tenant/slug</c>.</summary>
    [BsonId]
    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string Slug { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Email { get; set; }
    /// <summary>
    /// OpenMeet vouched for the email (set through the internal API, or an assertion's email_verified):
    /// only then is it in id tokens and a threepid in Synapse.
    /// </summary>
    public bool EmailVerified { get; set; }
    /// <summary>For local sign-in at the OIDC issuer (where enabled): PBKDF2, never the password.</summary>
    public string? PasswordHash { get; set; }
    /// <summary>The chosen Matrix localpart, case-folded; unique across tenants.</summary>
    public string? Handle { get; set; }
    /// <summary>The Matrix ID, once the account is provisioned.</summary>
    public string? UserId { get; set; }
    /// <summary>The display name the account was last given, to notice renames.</summary>
    public string? ProvisionedName { get; set; }
    /// <summary>
    /// How the account was last provisioned: <c>sso</c> (the admin API, with the link to our identity
    /// provider) or <c>matrix_auth_service</c> (<c>/_synapse/mas/</c>); null for accounts made before
    /// this was recorded, which were made the sso way. After a switch of <c>oidc.mode</c> every account
    /// is provisioned again the new way.
    /// </summary>
    public string? ProvisionedMode { get; set; }
    /// <summary>Device changes the issuer asked for and Synapse has not taken yet, oldest first.</summary>
    public List<DeviceChange> DeviceChanges { get; set; } = [];
    public bool Revoked { get; set; }
    /// <summary>What Synapse was last told: the account locked (revoked) or not.</summary>
    public bool Locked { get; set; }
    /// <summary>Since the revocation, the issuer's sign-in sessions were ended by back-channel logouts.</summary>
    public bool SessionsEnded { get; set; }
    /// <summary>They left their tenant's space on their own: not invited to it again unless they come back.</summary>
    public bool LeftSpace { get; set; }
    public DateTime UpdatedAt { get; set; }
}
