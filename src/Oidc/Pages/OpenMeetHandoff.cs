using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace OpenMeet.Oidc.Pages;

/// <summary>
/// Signing in on OpenMeet's own login page. The browser is sent there with a <c>state</c> and a
/// <c>nonce</c> and comes back to the callback (GET, or POST as form_post) with the state and a signed
/// assertion that carries the nonce. The nonce is also in a short-lived cookie of the browser that set
/// out and inside the state, and is used once: someone else's state and assertion, opened in another
/// browser, sign nobody in there (login CSRF).
/// </summary>
public static class OpenMeetHandoff
{
    public const string Cookie = "openmeet.oidc.handoff";
    public const string CookiePath = "/oidc/openmeet";
    /// <summary>Long enough to type a password on OpenMeet's page, no longer.</summary>
    public static readonly TimeSpan Life = TimeSpan.FromMinutes(5);

    private static ITimeLimitedDataProtector Protector(IDataProtectionProvider protection) =>
        protection.CreateProtector("openmeet-handoff").ToTimeLimitedDataProtector();

    public static IResult Start(string? returnUrl, HttpContext http, OidcConfig config, IDataProtectionProvider protection)
    {
        if (config.OpenMeetLoginUrl.Length == 0 || SignInPages.SafeReturn(returnUrl) is not { } back)
        {
            return Html.Error("Nothing to sign in to", "Start signing in from your Matrix app.");
        }

        var nonce = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var state = Protector(protection).Protect($"{nonce} {back}", Life);
        // Lax: the top-level navigation back from OpenMeet carries it; a cross-site POST does not.
        http.Response.Cookies.Append(Cookie, nonce, Options(config));
        var callback = $"{config.Issuer.TrimEnd('/')}/openmeet/callback";
        var separator = config.OpenMeetLoginUrl.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return Results.Redirect($"{config.OpenMeetLoginUrl}{separator}redirect_uri={Uri.EscapeDataString(callback)}"
            + $"&state={Uri.EscapeDataString(state)}&nonce={Uri.EscapeDataString(nonce)}");
    }

    public static async Task<IResult> Finish(HttpContext http, OidcConfig config, IOidcPeople people, IDataProtectionProvider protection, UsedAssertions used, OidcMetrics metrics)
    {
        IEnumerable<KeyValuePair<string, StringValues>> values = http.Request.Query;
        if (http.Request.HasFormContentType)
        {
            if (await PostedForm.ReadAsync(http) is not { } form)
            {
                return PostedForm.Unreadable();
            }

            values = form;
        }

        var fields = values.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        string nonce, back;
        try
        {
            var opened = Protector(protection).Unprotect(fields.GetValueOrDefault("state") ?? "").Split(' ', 2);
            (nonce, back) = opened is [var n, var b] && SignInPages.SafeReturn(b) is { } safe ? (n, safe) : throw new CryptographicException("not a hand-off");
        }
        catch (CryptographicException)
        {
            metrics.SignIn("openmeet", "rejected");
            return Html.Error("This sign-in expired", "Start signing in again from your Matrix app.");
        }

        // Whatever comes next, this hand-off is over for this browser.
        var cookie = http.Request.Cookies[Cookie];
        http.Response.Cookies.Delete(Cookie, Options(config));
        if (cookie is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(nonce)))
        {
            metrics.SignIn("openmeet", "rejected");
            return Html.Error("This sign-in was started elsewhere",
                "It was not started in this browser, or it was started again since. Start signing in again from your Matrix app, in this browser.");
        }

        if (!used.TryUse("handoff:" + nonce, DateTime.UtcNow + Life))
        {
            metrics.SignIn("openmeet", "rejected");
            return Html.Error("OpenMeet's answer was not accepted", "This sign-in was used before. Start signing in again from your Matrix app.", 401);
        }

        var (person, problem) = await people.FromAssertionAsync(fields.GetValueOrDefault("assertion") ?? "", nonce, http.RequestAborted);
        if (person is null)
        {
            metrics.SignIn("openmeet", "rejected");
            return Html.Error("OpenMeet's answer was not accepted", problem ?? "The assertion is not valid.", 401);
        }

        if (person.Revoked)
        {
            metrics.SignIn("openmeet", "revoked");
            return Html.Error("Access revoked", "Your Matrix access has been revoked. Ask your community's organisers.", 403);
        }

        await SignInPages.SignInAsync(http, person);
        metrics.SignIn("openmeet", "ok");
        return Results.Redirect(back);
    }

    private static CookieOptions Options(OidcConfig config) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Path = CookiePath,
        MaxAge = Life,
        IsEssential = true,
        Secure = config.Issuer.StartsWith("https:", StringComparison.OrdinalIgnoreCase),
    };

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
