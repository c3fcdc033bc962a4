namespace OpenMeet.Oidc;

/// <summary>
/// The people directory the issuer asks (the appservice's store and handle claims). An interface
/// because the issuer is a library the appservice hosts, not because there are several.
/// </summary>
public interface IOidcPeople
{
    OidcPerson? Find(string userKey);

    /// <summary>The communities a person can pick on the login page, by name; none when there are more than <paramref name="max"/>.</summary>
    IReadOnlyList<Community> Communities(int max);

    /// <summary>
    /// The tenant id of the community a person typed or picked: its id, its domain or its name, any case.
    /// Null when none has it, or when several communities share the name (the domain tells them apart).
    /// </summary>
    string? CommunityOf(string words);

    /// <summary>The user key of the person the tenant id and user name name, exactly as written; null when nobody has them.</summary>
    string? AccountOf(string tenantId, string userSlug);

    /// <summary>The person if the tenant, user and password match a local account, else null.</summary>
    OidcPerson? CheckPassword(string tenantId, string userSlug, string password);

    /// <summary>
    /// The person a signed OpenMeet assertion names (created if the issuer did not know them yet), or
    /// why the assertion is refused (signature, issuer, audience = our issuer, at most a minute of life,
    /// the <paramref name="nonce"/> of this browser's hand-off, a jti never seen before).
    /// </summary>
    Task<(OidcPerson? Person, string? Problem)> FromAssertionAsync(string assertion, string nonce, CancellationToken ct);

    /// <summary>Why the person cannot have the handle (null: they can), and free ones to offer.</summary>
    Task<(string Handle, string? Problem, IReadOnlyList<string> Suggestions)> CheckHandleAsync(OidcPerson person, string handle, CancellationToken ct);

    /// <summary>
    /// Makes sure the person's Matrix account exists and is linked to this issuer before Synapse hears
    /// of the login; otherwise Synapse would create the account itself and race our provisioning.
    /// </summary>
    Task EnsureAccountAsync(OidcPerson person, CancellationToken ct);

    /// <summary>
    /// oidc.mode matrix_auth_service: makes sure the person's Matrix account and the device exist in
    /// Synapse before a token for it is handed out (Synapse refuses a token whose device it does not know).
    /// Null when they do; otherwise why not (Synapse away or refusing), to tell the client to try again.
    /// </summary>
    Task<string?> EnsureDeviceAsync(OidcPerson person, string deviceId, string displayName, CancellationToken ct);

    /// <summary>
    /// oidc.mode matrix_auth_service: deletes the device in Synapse, which ends its session there at
    /// once; kept and retried until done if Synapse is away (the wait ends with <paramref name="ct"/>).
    /// </summary>
    Task EndDeviceAsync(string userKey, string deviceId, CancellationToken ct);

    /// <summary>
    /// oidc.mode matrix_auth_service: lets the person reset their cross-signing keys in Synapse for the
    /// next 10 minutes (Synapse sends them to the account page for it). Null when done; otherwise why not.
    /// </summary>
    Task<string?> AllowCrossSigningResetAsync(string userKey, CancellationToken ct);

    /// <summary>Claims the handle for the person; null, or why not.</summary>
    Task<string?> ClaimHandleAsync(OidcPerson person, string handle, CancellationToken ct);
}
