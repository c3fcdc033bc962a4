using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenMeet.Oidc.Endpoints;

namespace OpenMeet.Oidc.Pages;

/// <summary>Someone without a handle picks one before the sign-in completes; it becomes their Matrix ID.</summary>
public static class HandlePage
{
    public static IEndpointRouteBuilder MapOidcHandlePicker(this IEndpointRouteBuilder app)
    {
        app.MapGet("/oidc/handle", (Delegate)Show);
        app.MapPost("/oidc/handle", (Delegate)Claim);
        app.MapGet("/oidc/handle/check", (Delegate)Check);
        return app;
    }

    private static async Task<OidcPerson?> PersonAsync(HttpContext http, IOidcPeople people)
    {
        var session = await http.AuthenticateAsync(OidcIssuer.SessionScheme);
        return session.Principal?.FindFirst(Identity.UserKeyClaim)?.Value is { } key ? people.Find(key) : null;
    }

    private static async Task<IResult> Show(string? returnUrl, HttpContext http, IOidcPeople people, IAntiforgery antiforgery, HandleCheckLimit limit)
    {
        if (SignInPages.SafeReturn(returnUrl) is not { } back || await PersonAsync(http, people) is not { } person)
        {
            return Html.Error("Nothing to sign in to", "Start signing in from your Matrix app.");
        }

        if (person.Handle is not null)
        {
            return Results.Redirect(back);
        }

        if (!limit.TryTake(person.UserKey))
        {
            return TooMany(http);
        }

        var (_, _, suggestions) = await people.CheckHandleAsync(person, person.Name, http.RequestAborted);
        return Page(http, antiforgery, back, person, (suggestions.Count > 0 ? suggestions[0] : ""), null, suggestions);
    }

    private static async Task<IResult> Claim(HttpContext http, IOidcPeople people, IAntiforgery antiforgery, HandleCheckLimit limit)
    {
        if (await PostedForm.ReadAsync(http) is not { } form)
        {
            return PostedForm.Unreadable();
        }

        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Html.Error("Please try again", "This form expired or did not come from this site. Go back and try again.");
        }

        if (SignInPages.SafeReturn(form["returnUrl"]) is not { } back || await PersonAsync(http, people) is not { } person)
        {
            return Html.Error("Nothing to sign in to", "Start signing in from your Matrix app.");
        }

        if (!limit.TryTake(person.UserKey))
        {
            return TooMany(http);
        }

        // A suggestion is a button of its own: no typing, no script.
        var wanted = form["pick"] is { Count: > 0 } pick ? pick.ToString() : form["handle"].ToString();
        if (await people.ClaimHandleAsync(person, wanted, http.RequestAborted) is { } problem)
        {
            var (_, _, suggestions) = await people.CheckHandleAsync(person, wanted, http.RequestAborted);
            return Page(http, antiforgery, back, person, wanted, problem, suggestions);
        }

        return Results.Redirect(back);
    }

    private static async Task<IResult> Check(string? handle, HttpContext http, IOidcPeople people, HandleCheckLimit limit)
    {
        if (await PersonAsync(http, people) is not { } person)
        {
            return Results.Json(new { error = "not signed in" }, statusCode: 401);
        }

        if (!limit.TryTake(person.UserKey))
        {
            http.Response.Headers.RetryAfter = "60";
            return Results.Json(new { error = "rate_limited", message = "too many checks; try again in a minute" }, statusCode: 429);
        }

        var (folded, problem, suggestions) = await people.CheckHandleAsync(person, handle ?? "", http.RequestAborted);
        return Results.Json(new { handle = folded, available = problem is null, reason = problem, suggestions });
    }

    private static IResult TooMany(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "60";
        return Html.Error("Too many tries", "You checked a lot of handles in a short time. Wait a minute and try again.", 429);
    }

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string back, OidcPerson person, string value, string? problem, IReadOnlyList<string> suggestions)
    {
        var csrf = antiforgery.GetAndStoreTokens(http);
        var error = problem is null ? "" : $"<p class=\"error\" id=\"problem\">{Html.E(problem)}</p>";
        var offered = suggestions.Count == 0 ? "" :
            "<p class=\"hint\">Free:</p><ul class=\"suggestions\">"
            + string.Concat(suggestions.Select(s => $"<li><button class=\"pick\" type=\"submit\" name=\"pick\" value=\"{Html.E(s)}\"><code>{Html.E(s)}</code></button></li>")) + "</ul>";
        return Html.Page("Choose your Matrix handle", $$"""
            <p>Hello {{Html.E(person.Name)}}. Your handle becomes your Matrix ID, <code>@handle:server</code>, the same in every app. It cannot be changed later.</p>
            {{error}}
            <form method="post" action="/oidc/handle">
            {{Html.Hidden(csrf.FormFieldName, csrf.RequestToken)}}
            {{Html.Hidden("returnUrl", back)}}
            <label for="handle">Handle</label>
            <input id="handle" name="handle" value="{{Html.E(value)}}" autocomplete="username" autocapitalize="none" spellcheck="false" required>
            <p class="hint" id="live" aria-live="polite">Lowercase letters, digits and . _ = - ; 3 to 64 characters.</p>
            <button type="submit">Use this handle</button>
            {{offered}}
            </form>
            <script>
            const input = document.getElementById('handle'), live = document.getElementById('live');
            let timer;
            input.addEventListener('input', () => {
              clearTimeout(timer);
              timer = setTimeout(async () => {
                const r = await fetch('/oidc/handle/check?handle=' + encodeURIComponent(input.value));
                if (!r.ok) return;
                const c = await r.json();
                live.textContent = c.available ? '"' + c.handle + '" is free.' : c.reason + (c.suggestions.length ? ' Free: ' + c.suggestions.join(', ') : '');
              }, 250);
            });
            </script>
            """, problem is null ? 200 : 409);
    }
}
