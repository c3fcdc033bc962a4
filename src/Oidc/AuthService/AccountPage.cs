using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using OpenMeet.Oidc.Endpoints;
using OpenMeet.Oidc.Pages;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// The account page Synapse and Matrix apps link to (<c>account_management_uri</c>, MSC4191 actions in
/// the query): the person, their signed-in apps with a sign-out for each, and the approval Synapse
/// needs before someone resets their encryption identity (their cross-signing keys): without it, in
/// this mode nobody could. Name, email and communities are OpenMeet's, so not changed here.
/// </summary>
public static partial class AccountPage
{
    public const string Path = "/oidc/account";

    /// <summary>What the page does, as discovery lists it: MSC4191's names, first and newer.</summary>
    public static readonly string[] Actions =
    [
        "org.matrix.profile", "org.matrix.sessions_list", "org.matrix.session_view", "org.matrix.session_end",
        "org.matrix.devices_list", "org.matrix.device_view", "org.matrix.device_delete", CrossSigningReset,
    ];

    private const string CrossSigningReset = "org.matrix.cross_signing_reset";

    public static IEndpointRouteBuilder MapAccountPage(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (Delegate)ShowAsync);
        app.MapPost(Path + "/sign-out", (Delegate)SignOutAsync);
        app.MapPost(Path + "/cross-signing-reset", (Delegate)AllowResetAsync);
        return app;
    }

    /// <summary>How recent a sign-in must be to allow a reset of the encryption identity: not someone at a browser left signed in.</summary>
    public static readonly TimeSpan RecentSignIn = TimeSpan.FromMinutes(10);

    /// <summary>The signed-in person the page is for, and whether they signed in recently; null when nobody is signed in here.</summary>
    private static async Task<(OidcPerson Person, bool Recent)?> SessionAsync(HttpContext http, IOidcPeople people)
    {
        var session = await http.AuthenticateAsync(OidcIssuer.SessionScheme);
        if (session.Principal?.FindFirst(Identity.UserKeyClaim)?.Value is not { } key || people.Find(key) is not { } person)
        {
            return null;
        }

        var at = long.TryParse(session.Principal.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.AuthenticationTime)?.Value,
            NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : 0;
        return (person, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - at <= RecentSignIn.TotalSeconds);
    }

    private static string SignInAgain(string back) => $"/oidc/login?returnUrl={Uri.EscapeDataString(back)}";

    private static async Task<IResult> ShowAsync(string? action, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "device_id")] string? deviceId,
        HttpContext http, IOidcPeople people, MatrixSessions sessions, IAntiforgery antiforgery)
    {
        var here = SignInPages.SafeReturn(http.Request.GetEncodedPathAndQuery());
        if (await SessionAsync(http, people) is not var (person, recent))
        {
            // Signed in, the person comes back here with the same action.
            return here is not null
                ? Results.Redirect(SignInAgain(here))
                : Html.Error("Your Matrix account", "This address is too long; open your account page from your Matrix app.");
        }

        if (Unusable(person) is { } why)
        {
            return why;
        }

        var csrf = antiforgery.GetAndStoreTokens(http);
        var form = (string path, string fields, string button) => $"""
            <form method="post" action="{path}">{Html.Hidden(csrf.FormFieldName, csrf.RequestToken)}{fields}<button type="submit">{Html.E(button)}</button></form>
            """;
        var all = await sessions.ListAsync(person.Subject, http.RequestAborted);
        switch (action)
        {
            case CrossSigningReset when !recent:
                return Html.Page("Reset your encryption identity?", $"""
                    <p>Your Matrix app asks to reset the encryption identity of <strong>@{Html.E(person.Handle)}</strong>. To allow it, sign in again first.</p>
                    <p><a class="button" href="{Html.E(SignInAgain(here ?? Path + "?action=" + CrossSigningReset))}">Sign in again</a></p>
                    """);
            case CrossSigningReset:
                return Html.Page("Reset your encryption identity?", $"""
                    <p>Your Matrix app asks to reset the encryption identity of <strong>@{Html.E(person.Handle)}</strong> (its cross-signing keys).
                    Do it only when you have lost access to all your other signed-in apps and your recovery key.</p>
                    <p class="hint">Messages you can read now stay readable on this app; your other apps and the people you talk with will have to verify you again.
                    The reset is allowed for 10 minutes.</p>
                    {form(Path + "/cross-signing-reset", "", "Allow the reset")}
                    """);
            case "org.matrix.session_view" or "org.matrix.device_view" or "session_view" or "org.matrix.session_end" or "org.matrix.device_delete" or "session_end"
                when deviceId is not null:
                if (!MatrixScopes.IsDeviceId(deviceId))
                {
                    return Html.Error("Sign out an app", "That is not a session's name.");
                }

                // A session not signed in through here (an idle one, one from before the move to this mode)
                // may still have its device in Synapse, where nobody else can delete it now: it can go too.
                var one = all.FirstOrDefault(s => string.Equals(s.DeviceId, deviceId, StringComparison.Ordinal));
                return Html.Page("Sign out an app", $"""
                    <p>{(one is null ? "A Matrix app" : $"<strong>{Html.E(one.App)}</strong>")}, session <code>{Html.E(deviceId)}</code>{(one is null ? ", not signed in through this page now" : Since(one))}.</p>
                    <p class="hint">Signing it out ends its session at once; it has to sign in again.</p>
                    {form(Path + "/sign-out", Html.Hidden("device_id", deviceId), "Sign it out")}
                    <p><a href="{Path}">Your account</a></p>
                    """);
            default:
                var list = all.Count == 0
                    ? "<p class=\"hint\">No app is signed in as you now.</p>"
                    : "<ul class=\"sessions\">" + string.Concat(all.Select(s => $"""
                        <li><strong>{Html.E(s.App)}</strong>, session <code>{Html.E(s.DeviceId)}</code>{Since(s)}
                        {form(Path + "/sign-out", Html.Hidden("device_id", s.DeviceId), "Sign out")}</li>
                        """)) + "</ul>";
                return Html.Page("Your Matrix account", $"""
                    <p>You are <strong>@{Html.E(person.Handle)}</strong> ({Html.E(person.Name)}) of {Html.E(person.TenantDomain ?? person.TenantId)}.</p>
                    <p class="hint">Your name, email and communities are managed in OpenMeet.</p>
                    <h2 id="sessions">Signed-in apps</h2>
                    {list}
                    <p><a class="button" href="/oidc/logout">Sign out of this page</a></p>
                    """);
        }
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IOidcPeople people, MatrixSessions sessions, IAntiforgery antiforgery, ILoggerFactory logs)
    {
        if (await CheckedAsync(http, people, antiforgery) is not (var person, _, var form))
        {
            return Expired();
        }

        if (Unusable(person) is { } why)
        {
            return why;
        }

        // Only ever the person's own grants and their own account's device.
        var deviceId = form["device_id"].ToString();
        if (!MatrixScopes.IsDeviceId(deviceId))
        {
            return Html.Error("Sign out an app", "That is not a session's name.");
        }

        await sessions.EndAsync(person.Subject, person.UserKey, deviceId, http.RequestAborted);
        var log = logs.CreateLogger(typeof(AccountPage).FullName!);
        LogSignedOut(log, person.UserKey, deviceId);
        return Html.Page("Signed out", $"<p>The session <code>{Html.E(deviceId)}</code> has ended.</p><p><a href=\"{Path}\">Your account</a></p>");
    }

    private static async Task<IResult> AllowResetAsync(HttpContext http, IOidcPeople people, IAntiforgery antiforgery, ILoggerFactory logs)
    {
        if (await CheckedAsync(http, people, antiforgery) is not (var person, var recent, _))
        {
            return Expired();
        }

        if (Unusable(person) is { } why)
        {
            return why;
        }

        if (!recent)
        {
            return Html.Error("Sign in again", "Allowing a reset needs a recent sign-in. Open the page from your Matrix app again.", 403);
        }

        if (await people.AllowCrossSigningResetAsync(person.UserKey, http.RequestAborted) is { } problem)
        {
            return Html.Error("Not allowed just now", $"The homeserver did not take it ({problem}). Try again in a moment.", 503);
        }

        var log = logs.CreateLogger(typeof(AccountPage).FullName!);
        LogResetAllowed(log, person.UserKey);
        return Html.Page("Reset allowed", "<p>Go back to your Matrix app and continue: it can reset your encryption identity in the next 10 minutes.</p>");
    }

    /// <summary>The signed-in person, whether recently, and the form they posted from this site; null otherwise.</summary>
    private static async Task<(OidcPerson, bool, IFormCollection)?> CheckedAsync(HttpContext http, IOidcPeople people, IAntiforgery antiforgery) =>
        await PostedForm.ReadAsync(http) is { } form && await antiforgery.IsRequestValidAsync(http) && await SessionAsync(http, people) is var (person, recent)
            ? (person, recent, form)
            : null;

    private static IResult Expired() =>
        Html.Error("Please try again", "This form expired, did not come from this site, or you are signed out. Open your account page again.");

    private static IResult? Unusable(OidcPerson person) =>
        person.Revoked ? Html.Error("Your Matrix account", "Your Matrix access has been revoked. Ask the people who run your community.", 403)
        : person.Handle is null ? Html.Page("Your Matrix account", "<p>You have no Matrix account yet: sign in from a Matrix app to choose your name.</p>")
        : null;

    private static string Since(MatrixSessions.Session session) =>
        session.Since is { } at ? $", signed in {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC" : "";

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserKey} signed out their session {DeviceId} on the account page")]
    private static partial void LogSignedOut(ILogger logger, string userKey, string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserKey} allowed a reset of their cross-signing keys on the account page")]
    private static partial void LogResetAllowed(ILogger logger, string userKey);
}
