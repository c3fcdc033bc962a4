using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http;

namespace OpenMeet.Oidc.Pages;

/// <summary>
/// What a person sees when an authorization request cannot be sent back to its client (an unknown
/// client, an unregistered redirect_uri): a page saying why, never a redirect.
/// </summary>
public static class ErrorPage
{
    public static async Task WriteAsync(HttpContext http)
    {
        var response = http.GetOpenIddictServerResponse();
        await Html.Error("This sign-in cannot go on",
            $"{response?.ErrorDescription ?? "The request is not valid."} ({response?.Error ?? "invalid_request"})",
            http.Response.StatusCode).ExecuteAsync(http);
    }
}
