using System.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenIddict.Abstractions;
using OpenMeet.Oidc.Endpoints;
using OpenMeet.Oidc.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.AuthService;

/// <summary>
/// A client that registered itself (any site can) gets a person's Matrix account only after the person
/// said yes on this page, once per client and scopes: open registration and a live sign-in cookie must
/// not hand out accounts silently.
/// </summary>
public static class ConsentPage
{
    /// <summary>Added to the authorization request when the person said no, so it ends with access_denied at the client.</summary>
    public const string DeniedParameter = "openmeet_consent";

    public static IEndpointRouteBuilder MapConsentPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/oidc/consent", (Delegate)ShowAsync);
        app.MapPost("/oidc/consent", (Delegate)AnswerAsync);
        return app;
    }

    /// <summary>
    /// Whether the request's client must be consented to first: null when not (a configured client, or
    /// consent given before), the application's id otherwise. A Matrix app's scopes name its new device,
    /// so in practice the person is asked at each sign-in, as Matrix's own auth service does; the consent
    /// is kept as an ad-hoc grant, which the hourly pruning removes once unused, so they do not pile up.
    /// </summary>
    public static async Task<string?> NeededAsync(OpenIddictRequest request, OidcPerson person, IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations, CancellationToken ct)
    {
        if (await applications.FindByClientIdAsync(request.ClientId ?? "", ct) is not { } application
            || !(await applications.GetPropertiesAsync(application, ct)).ContainsKey(ClientRegistration.DynamicProperty))
        {
            return null;
        }

        var id = await applications.GetIdAsync(application, ct);
        await foreach (var _ in authorizations.FindAsync(person.Subject, id, Statuses.Valid, AuthorizationTypes.AdHoc, request.GetScopes(), ct))
        {
            return null;
        }

        return id;
    }

    /// <summary>The signed-in person, the authorization request to go back to, its parameters, and its client.</summary>
    private static async Task<(OidcPerson Person, string Back, System.Collections.Specialized.NameValueCollection Query, object Application)?> ReadAsync(
        HttpContext http, string? returnUrl, IOidcPeople people, IOpenIddictApplicationManager applications)
    {
        var session = await http.AuthenticateAsync(OidcIssuer.SessionScheme);
        // Only an authorization request is consented to (the account page is a safe return elsewhere, not here).
        if (SignInPages.SafeReturn(returnUrl) is not { } back || !back.StartsWith("/oidc/authorize?", StringComparison.Ordinal)
            || session.Principal?.FindFirst(Identity.UserKeyClaim)?.Value is not { } key
            || people.Find(key) is not { Revoked: false, Handle: not null } person)
        {
            return null;
        }

        var query = HttpUtility.ParseQueryString(new Uri("http://x" + back).Query);
        return await applications.FindByClientIdAsync(query["client_id"] ?? "", http.RequestAborted) is { } application ? (person, back, query, application) : null;
    }

    private static async Task<IResult> ShowAsync(string? returnUrl, HttpContext http, IOidcPeople people, IOpenIddictApplicationManager applications, IAntiforgery antiforgery)
    {
        if (await ReadAsync(http, returnUrl, people, applications) is not var (person, back, query, application))
        {
            return Html.Error("Nothing to allow", "Start signing in from your Matrix app.");
        }

        var properties = await applications.GetPropertiesAsync(application, http.RequestAborted);
        var site = properties.TryGetValue(ClientRegistration.ClientUriProperty, out var uri) ? uri.GetString() : null;
        var name = await applications.GetDisplayNameAsync(application, http.RequestAborted) ?? "An app";
        var redirect = query["redirect_uri"] ?? "";
        var csrf = antiforgery.GetAndStoreTokens(http);
        return Html.Page("Allow this app?", $"""
            <p><strong>{Html.E(name)}</strong>{(site is null ? "" : $" ({Html.E(new Uri(site).Host)})")} asks to use your Matrix account
            <strong>@{Html.E(person.Handle)}</strong>: to read and send messages in your rooms, as you.</p>
            <p class="hint">It will send you back to {Html.E(Uri.TryCreate(redirect, UriKind.Absolute, out var r) ? r.GetLeftPart(UriPartial.Authority) : redirect)}.
            Allow it only if you started signing in to this app yourself.</p>
            <form method="post" action="/oidc/consent">
            {Html.Hidden(csrf.FormFieldName, csrf.RequestToken)}
            {Html.Hidden("returnUrl", back)}
            <button type="submit" name="answer" value="allow">Allow</button>
            <button type="submit" name="answer" value="deny" class="pick">Cancel</button>
            </form>
            """);
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, IOidcPeople people, IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations, IAntiforgery antiforgery)
    {
        if (await PostedForm.ReadAsync(http) is not { } form)
        {
            return PostedForm.Unreadable();
        }

        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Html.Error("Please try again", "This form expired or did not come from this site. Start signing in again from your app.");
        }

        if (await ReadAsync(http, form["returnUrl"], people, applications) is not var (person, back, query, application))
        {
            return Html.Error("Nothing to allow", "Start signing in from your Matrix app.");
        }

        if (form["answer"] != "allow")
        {
            return Results.Redirect($"{back}&{DeniedParameter}=denied");
        }

        var scopes = (query["scope"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var principal = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(OidcIssuer.SessionScheme));
        principal.SetClaim(Claims.Subject, person.Subject);
        await authorizations.CreateAsync(principal, person.Subject, (await applications.GetIdAsync(application, http.RequestAborted))!,
            AuthorizationTypes.AdHoc, [.. scopes], http.RequestAborted);
        return Results.Redirect(back);
    }
}
