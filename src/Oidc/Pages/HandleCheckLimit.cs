namespace OpenMeet.Oidc.Pages;

/// <summary>
/// The handle picker's look-ups (about six Synapse admin calls each) per signed-in person: 60 a minute,
/// the public API's limit for /api/handles/check.
/// </summary>
public sealed class HandleCheckLimit() : PerMinuteLimit(PerMinute)
{
    public const int PerMinute = 60;
}
