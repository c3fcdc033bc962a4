using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OpenMeet.Oidc.Endpoints;

/// <summary>
/// Sends an authorization request's error back to its client (RFC 6749 §4.1.2.1: error,
/// error_description, state) when the client is known and the redirect_uri is one it registered.
/// OpenIddict checks the request's form (PKCE, response type, scopes) before it looks the client up,
/// and answers any rejection on its own page; here the page is kept for an unknown client or an
/// unregistered (or missing) redirect_uri, where sending the browser on would make us an open redirector.
/// </summary>
public sealed class AuthorizationErrors(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
        .UseScopedHandler<AuthorizationErrors>()
        // After OpenIddict decided where the answer goes (nowhere, for a rejected request), before it adds state and iss.
        .SetOrder(OpenIddictServerHandlers.Authentication.InferResponseMode.Descriptor.Order + 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
    {
        if (!string.IsNullOrEmpty(context.RedirectUri) || string.IsNullOrEmpty(context.Response.Error) || !string.IsNullOrEmpty(context.Response.RequestUri)
            || context.Request is not { ClientId: { Length: > 0 } clientId, RedirectUri: { Length: > 0 } redirectUri } request)
        {
            return;
        }

        if (await applications.FindByClientIdAsync(clientId) is not { } client || !await applications.ValidateRedirectUriAsync(client, redirectUri))
        {
            return;
        }

        context.RedirectUri = redirectUri;
        // A response_mode OpenIddict does not know gets the query: an error carries no token.
        context.ResponseMode = request.IsFormPostResponseMode() ? ResponseModes.FormPost
            : request.IsFragmentResponseMode() ? ResponseModes.Fragment
            : ResponseModes.Query;
    }
}
