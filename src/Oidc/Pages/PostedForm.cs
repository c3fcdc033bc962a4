using Microsoft.AspNetCore.Http;

namespace OpenMeet.Oidc.Pages;

/// <summary>A page's posted form, read once, before anything else (antiforgery too) reads it.</summary>
public static class PostedForm
{
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
