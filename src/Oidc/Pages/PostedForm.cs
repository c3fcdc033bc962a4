using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenMeet.Oidc.Pages;

/// <summary>A posted form, read once, before anything else (OpenIddict, antiforgery) reads it.</summary>
public static class PostedForm
{
    /// <summary>
    /// Before OpenIddict's handlers (which run in the authentication middleware and let a form they
    /// cannot read become a 500): a form posted to /oidc that cannot be read is a 400 here, an OAuth
    /// error for the token, userinfo, introspection and revocation endpoints, a page for the others.
    /// </summary>
    public static IApplicationBuilder UseOidcForms(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!http.Request.Path.StartsWithSegments("/oidc", StringComparison.Ordinal) || !http.Request.HasFormContentType
            || await ReadAsync(http) is not null)
        {
            await next(http);
            return;
        }

        var result = http.Request.Path.StartsWithSegments("/oidc/token", StringComparison.Ordinal) || http.Request.Path.StartsWithSegments("/oidc/userinfo", StringComparison.Ordinal)
            || http.Request.Path.StartsWithSegments("/oidc/oauth2", StringComparison.Ordinal)
            ? Results.Json(new Dictionary<string, string> { ["error"] = "invalid_request", ["error_description"] = "The request body is not a form that can be read." }, statusCode: 400)
            : Unreadable();
        await result.ExecuteAsync(http);
    });

    /// <summary>
    /// The form, or null when the body is not a form or cannot be read (a %00, multipart cut short, more
    /// fields than the limits allow, a body too large): ASP.NET throws for those, a 500 for a bad request.
    /// </summary>
    public static async Task<IFormCollection?> ReadAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            return null;
        }

        try
        {
            return await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return null;
        }
    }

    public static IResult Unreadable() =>
        Html.Error("Please try again", "What this page received was not a form it can read. Go back and try again.");
}
