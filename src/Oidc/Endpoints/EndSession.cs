using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenMeet.Oidc.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.Endpoints;

/// <summary>
/// Signing out at the issuer (OpenID Connect RP-initiated logout), which also ends the person's Synapse
/// sessions through back-channel logout. A client that names the signed-in person with a valid
/// id_token_hint signs them out at once; any other request (a link or a form on another site: the
/// session cookie is Lax and travels with those) gets a page that asks, and only its own form,
/// with its antiforgery token, signs out.
/// </summary>
public static class EndSession
{
    public static async Task<IResult> LogoutAsync(HttpContext http, BackchannelLogout backchannel, IAntiforgery antiforgery, IOidcPeople people)
    {
        var session = await http.AuthenticateAsync(OidcIssuer.SessionScheme);
        var user = session.Principal?.FindFirst(Identity.UserKeyClaim)?.Value;
        var sid = session.Principal?.FindFirst("sid")?.Value;
        if (user is not null && sid is not null)
        {
            if (!await NamedByHintAsync(http, user) && !await ConfirmedAsync(http, antiforgery))
            {
                return Question(http, antiforgery, people.Find(user));
            }

            await backchannel.LogoutSessionAsync(sid, Subjects.ForKey(user), http.RequestAborted);
        }

        await http.SignOutAsync(OidcIssuer.SessionScheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/oidc/signed-out" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>OpenIddict checked the hint (signature, issuer); it has to be about this person.</summary>
    private static async Task<bool> NamedByHintAsync(HttpContext http, string user) =>
        (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal?.GetClaim(Claims.Subject) is { } subject
        && string.Equals(subject, Subjects.ForKey(user), StringComparison.Ordinal);

    private static async Task<bool> ConfirmedAsync(HttpContext http, IAntiforgery antiforgery) =>
        HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType
        && await PostedForm.ReadAsync(http) is { } form && form.ContainsKey("confirm")
        && await antiforgery.IsRequestValidAsync(http);

    private static IResult Question(HttpContext http, IAntiforgery antiforgery, OidcPerson? person)
    {
        var csrf = antiforgery.GetAndStoreTokens(http);
        // The client's own parameters go along (post_logout_redirect_uri, state), not a hint that did not name this person.
        var carried = (http.GetOpenIddictServerRequest()?.GetParameters() ?? new Dictionary<string, OpenIddictParameter>())
            .Where(p => p.Key is not (Parameters.IdTokenHint or "confirm") && p.Key != csrf.FormFieldName && (string?)p.Value is not null)
            .Select(p => Html.Hidden(p.Key, (string?)p.Value));
        var who = person is null ? "" : $" as <strong>{Html.E(person.Name)}</strong>{(person.Handle is null ? "" : $" (@{Html.E(person.Handle)})")}";
        return Html.Page("Sign out?", $"""
            <p>You are signed in to Matrix with OpenMeet{who}. Signing out here also signs you out of the
            Matrix apps you signed in to with it.</p>
            <form method="post" action="/oidc/logout">
            {Html.Hidden(csrf.FormFieldName, csrf.RequestToken)}
            {Html.Hidden("confirm", "yes")}
            {string.Join('\n', carried)}
            <button type="submit">Sign out</button>
            </form>
            <p class="hint">If you did not ask to sign out, close this page: nothing changes.</p>
            """);
    }
}
