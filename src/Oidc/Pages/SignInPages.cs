using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenMeet.Oidc.Endpoints;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.Pages;

/// <summary>How a person proves who they are: a local password, or OpenMeet's own login page.</summary>
public static class SignInPages
{
    public static IEndpointRouteBuilder MapOidcSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/oidc/login", (Delegate)ShowLogin);
        app.MapPost("/oidc/login", (Delegate)PostLogin);
        app.MapGet("/oidc/openmeet", (Delegate)OpenMeetHandoff.Start);
        app.MapMethods("/oidc/openmeet/callback", ["GET", "POST"], (Delegate)OpenMeetHandoff.Finish);
        app.MapGet("/oidc/signed-out", () => Html.Page("You are signed out", "<p>You are signed out of OpenMeet's Matrix sign-in. You can close this page.</p>"));
        return app;
    }

    // The longest a community (its id, name or domain) and a user name can be, a password, a return address.
    private const int MaxCommunity = 300;
    private const int MaxName = 100;
    private const int MaxPassword = 1024;
    private const int MaxReturnUrl = 8192;

    /// <summary>Only our own authorization endpoint and account page are places to go back to: no open redirects.</summary>
    public static string? SafeReturn(string? url) =>
        url is { Length: <= MaxReturnUrl } && !url.Contains("//", StringComparison.Ordinal)
        && (url.StartsWith("/oidc/authorize?", StringComparison.Ordinal) || url == AuthService.AccountPage.Path || url.StartsWith(AuthService.AccountPage.Path + "?", StringComparison.Ordinal))
            ? url : null;

    private static IResult ShowLogin(string? returnUrl, HttpContext http, OidcConfig config, IAntiforgery antiforgery, IOidcPeople people) =>
        SafeReturn(returnUrl) is not { } back
            ? Html.Error("Nothing to sign in to", "Start signing in from your Matrix app (Element, FluffyChat, ...).")
            : LoginPage(http, config, antiforgery, people, back, null, null, null);

    // More communities than this are not listed on the page: people type theirs.
    private const int MaxListed = 500;

    private static IResult LoginPage(HttpContext http, OidcConfig config, IAntiforgery antiforgery, IOidcPeople people, string back, string? tenant, string? user, string? error, int status = 400)
    {
        var body = error is null ? "" : $"<p class=\"error\">{Html.E(error)}</p>";
        var openMeet = config.OpenMeetLoginUrl.Length > 0;
        if (openMeet)
        {
            body += $"<p><a class=\"button\" href=\"/oidc/openmeet?returnUrl={Html.E(Uri.EscapeDataString(back))}\">Sign in with OpenMeet</a></p>"
                + "<p class=\"hint\">On your community's OpenMeet site, then back here.</p>";
        }

        if (config.LocalLogin)
        {
            var csrf = antiforgery.GetAndStoreTokens(http);
            var communities = people.Communities(MaxListed);
            var options = string.Concat(communities.Select(c => $"<option value=\"{Html.E(c.Pick)}\">{Html.E(c.Name)}</option>"));
            body += (openMeet ? "<p class=\"or\"><span>or</span></p><h2>With a password</h2>" : "") + $"""
                <form method="post" action="/oidc/login">
                {Html.Hidden(csrf.FormFieldName, csrf.RequestToken)}
                {Html.Hidden("returnUrl", back)}
                <label for="tenant">Community</label>
                <input id="tenant" name="tenant" value="{Html.E(tenant ?? (communities is [var only] ? only.Pick : null))}" list="communities" autocomplete="organization" aria-describedby="tenant-hint" required>
                <datalist id="communities">{options}</datalist>
                <p id="tenant-hint" class="hint">Its name or web address{(communities.Count > 0 ? ", or pick it from the list" : "")}.</p>
                <label for="user">User name</label>
                <input id="user" name="user" value="{Html.E(user)}" autocomplete="username" required>
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <button type="submit">Sign in</button>
                </form>
                """;
        }

        if (!config.LocalLogin && !openMeet)
        {
            body += "<p class=\"error\">No way to sign in is configured on this server.</p>";
        }

        return Html.Page("Sign in to Matrix with OpenMeet", body, error is null ? 200 : status);
    }

    private static async Task<IResult> PostLogin(HttpContext http, OidcConfig config, IAntiforgery antiforgery, IOidcPeople people, LoginAttempts attempts, OidcMetrics metrics)
    {
        if (!config.LocalLogin)
        {
            return Html.Error("Password sign-in is off", "This server signs people in through OpenMeet only.", 404);
        }

        if (await PostedForm.ReadAsync(http) is not { } form)
        {
            return PostedForm.Unreadable();
        }

        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Html.Error("Please try again", "This form expired or did not come from this site. Go back and sign in again.");
        }

        if (SafeReturn(form["returnUrl"]) is not { } back)
        {
            return Html.Error("Nothing to sign in to", "Start signing in from your Matrix app.");
        }

        string tenant = form["tenant"].ToString().Trim(), user = form["user"].ToString().Trim(), password = form["password"].ToString();
        var address = LoginAttempts.AddressKey(http.Connection.RemoteIpAddress);
        if (tenant.Length > MaxCommunity || user.Length > MaxName || password.Length > MaxPassword)
        {
            // No account has such names: a failure of the address only, and nothing of it kept or shown.
            attempts.Failed(null, address);
            metrics.SignIn("password", "wrong");
            return LoginPage(http, config, antiforgery, people, back, null, null, "The community, user name or password is wrong.");
        }

        // Counted by the account the names resolve to: names nobody has count against the address only.
        var tenantId = people.CommunityOf(tenant) ?? "";
        var account = people.AccountOf(tenantId, user);
        if (attempts.Wait(account, address) is { Ticks: > 0 } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            metrics.SignIn("password", "throttled");
            return LoginPage(http, config, antiforgery, people, back, tenant, user,
                $"Too many failed attempts. Try again in {seconds} second{(seconds == 1 ? "" : "s")}.", StatusCodes.Status429TooManyRequests);
        }

        if (people.CheckPassword(tenantId, user, password) is not { } person)
        {
            attempts.Failed(account, address);
            metrics.SignIn("password", "wrong");
            return LoginPage(http, config, antiforgery, people, back, tenant, user, "The community, user name or password is wrong.");
        }

        attempts.Succeeded(person.UserKey);

        if (person.Revoked)
        {
            metrics.SignIn("password", "revoked");
            return Html.Error("Access revoked", "Your Matrix access has been revoked. Ask your community's organisers.", 403);
        }

        await SignInAsync(http, person);
        metrics.SignIn("password", "ok");
        return Results.Redirect(back);
    }

    internal static Task SignInAsync(HttpContext http, OidcPerson person)
    {
        var identity = new ClaimsIdentity(OidcIssuer.SessionScheme);
        identity.AddClaim(new Claim(Identity.UserKeyClaim, person.UserKey));
        identity.AddClaim(new Claim("sid", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))));
        identity.AddClaim(new Claim(Claims.AuthenticationTime, DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        return http.SignInAsync(OidcIssuer.SessionScheme, new ClaimsPrincipal(identity));
    }
}
