namespace OpenMeet.Oidc.Models;

/// <summary>
/// What authorizations and tokens share: OpenIddict finds them by subject, client, status and type, and
/// revokes them in bulk by status, so one query and one revocation serve both stores.
/// </summary>
public interface IOidcGrant : IOidcDocument
{
    string? ApplicationId { get; }

    string? Status { get; set; }

    string? Subject { get; }

    string? Type { get; }
}
