namespace OpenMeet.Oidc;

/// <summary>
/// Ends every sign-in session of a person (back-channel logouts to the clients), for the appservice's
/// revocation. An interface because the issuer is optional: without it there are no sessions to end.
/// </summary>
public interface ISessionLogout
{
    Task LogoutUserAsync(string userKey, CancellationToken ct);
}
