namespace OpenMeet.Oidc.Models;

/// <summary>
/// What the stores' compare-and-update needs from every OpenIddict document: its id and the token
/// that changes on every write, so a write based on a stale read can be detected and refused.
/// </summary>
public interface IOidcDocument
{
    string Id { get; }

    string? ConcurrencyToken { get; set; }
}
