using Microsoft.AspNetCore;
using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenMeet.Oidc.AuthService;
using OpenMeet.Oidc.Pages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc.Endpoints;

/// <summary>The OpenID Connect endpoints OpenIddict passes through to us: authorize, token, userinfo, end session.</summary>
public static class ProtocolEndpoints
{
    public static IEndpointRouteBuilder MapOidcProtocol(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/oidc/authorize", ["GET", "POST"], (Delegate)Authorize);
        app.MapPost("/oidc/token", (Delegate)Token);
        app.MapMethods("/oidc/userinfo", ["GET", "POST"], (Delegate)UserInfo);
        app.MapMethods("/oidc/logout", ["GET", "POST"], (Delegate)EndSession.LogoutAsync);
        return app;
    }

    private static async Task<IResult> Authorize(HttpContext http, IOidcPeople people, BackchannelLogout sessions, OidcConfig config,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations)
    {
        // A request OpenIddict rejects never gets here: it sends the error to a client it trusts, or
        // (unknown client, unregistered redirect_uri) leaves a 400 for the error page.
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("not an OpenID Connect request");

        var session = await http.AuthenticateAsync(OidcIssuer.SessionScheme);
        var authTime = long.TryParse(session.Principal?.FindFirst(Claims.AuthenticationTime)?.Value, CultureInfo.InvariantCulture, out var t) ? t : 0;
        var tooOld = request.MaxAge is { } maxAge && DateTimeOffset.UtcNow.ToUnixTimeSeconds() - authTime > maxAge;
        if (!session.Succeeded || tooOld || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The person is not signed in.");
            }

            // Back to this request after signing in, without the prompt=login that sent us there.
            var parameters = http.Request.HasFormContentType ? http.Request.Form.ToList() : http.Request.Query.ToList();
            var back = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters.Where(p => p.Key != Parameters.Prompt));
            return Results.Redirect($"/oidc/login?returnUrl={Uri.EscapeDataString(back)}");
        }

        var person = people.Find(session.Principal!.FindFirst(Identity.UserKeyClaim)!.Value);
        if (person is null || person.Revoked)
        {
            await http.SignOutAsync(OidcIssuer.SessionScheme);
            return Refuse(Errors.AccessDenied, "This person's Matrix access has been revoked.");
        }

        if (person.Handle is null)
        {
            return Results.Redirect($"/oidc/handle?returnUrl={Uri.EscapeDataString(http.Request.GetEncodedPathAndQuery())}");
        }

        await people.EnsureAccountAsync(person, http.RequestAborted);
        if (config.IsAuthService)
        {
            if (request[ConsentPage.DeniedParameter]?.ToString() == "denied")
            {
                return Refuse(Errors.AccessDenied, "The person did not allow this app.");
            }

            if (await ConsentPage.NeededAsync(request, person, applications, authorizations, http.RequestAborted) is not null)
            {
                return request.HasPromptValue(PromptValues.None)
                    ? Refuse(Errors.ConsentRequired, "The person has not allowed this app yet.")
                    : Results.Redirect($"/oidc/consent?returnUrl={Uri.EscapeDataString(http.Request.GetEncodedPathAndQuery())}");
            }
        }

        var sid = session.Principal.FindFirst("sid")!.Value;
        sessions.Remember(sid, person.UserKey, person.Subject);
        var principal = Identity.For(person, sid, authTime, request.GetScopes());
        return Results.SignIn(config.IsAuthService ? AuthServiceMode.ForMatrix(principal) : principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> Token(HttpContext http, IOidcPeople people, OidcConfig config, IOpenIddictApplicationManager applications)
    {
        var request = http.GetOpenIddictServerRequest();
        if (config.IsAuthService && request?.GrantType == CredentialGrant.Type)
        {
            return await CredentialAsync(http, request, people, config);
        }

        if (request is null || !(request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType()))
        {
            return Refuse(Errors.UnsupportedGrantType, "Only the authorization code and refresh token grants are supported.");
        }

        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var principal = result.Principal!;
        var person = people.Find(principal.FindFirst(Identity.UserKeyClaim)?.Value ?? "");
        if (person is null || person.Revoked || person.Handle is null)
        {
            return Refuse(Errors.InvalidGrant, "This person's Matrix access has been revoked.");
        }

        if (config.IsAuthService && request.IsAuthorizationCodeGrantType() && MatrixScopes.DeviceOf(principal.GetScopes()) is { } device)
        {
            var client = await applications.FindByClientIdAsync(request.ClientId ?? "", http.RequestAborted);
            var name = client is null ? null : await applications.GetDisplayNameAsync(client, http.RequestAborted);
            if (await people.EnsureDeviceAsync(person, device, name ?? "Matrix app", http.RequestAborted) is { } problem)
            {
                return Refuse(Errors.TemporarilyUnavailable, $"The homeserver did not take the device just now ({problem}); redeem the code again.");
            }
        }

        // Claims are made again from the person as they are now (a new name, a revocation).
        var authTime = long.Parse(principal.FindFirst(Claims.AuthenticationTime)!.Value, CultureInfo.InvariantCulture);
        var renewed = Identity.For(person, principal.FindFirst("sid")!.Value, authTime, principal.GetScopes());
        return Results.SignIn(config.IsAuthService ? AuthServiceMode.ForMatrix(renewed) : renewed, null,
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The credential API's grant (<see cref="CredentialGrant"/>): a session for the web client on its device.</summary>
    private static async Task<IResult> CredentialAsync(HttpContext http, OpenIddictRequest request, IOidcPeople people, OidcConfig config)
    {
        var issuer = config.Issuer.TrimEnd('/');
        var grant = http.RequestServices.GetRequiredService<CredentialGrant>();
        if (await grant.ReadAsync(issuer, request.Assertion) is not { } read
            || !http.RequestServices.GetRequiredService<UsedAssertions>().TryUse("credential:" + read.Jti, read.Expires))
        {
            return Refuse(Errors.InvalidGrant, "The assertion is not one of the credential API's, or was used before.");
        }

        if (people.Find(read.UserKey) is not { Revoked: false, Handle: not null } person)
        {
            return Refuse(Errors.InvalidGrant, "This person's Matrix access has been revoked.");
        }

        if (await people.EnsureDeviceAsync(person, read.DeviceId, "OpenMeet", http.RequestAborted) is { } problem)
        {
            return Refuse(Errors.TemporarilyUnavailable, $"The homeserver did not take the device just now ({problem}).");
        }

        var principal = Identity.For(person, CredentialGrant.Session(read.DeviceId), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), CredentialGrant.Scopes(read.DeviceId));
        return Results.SignIn(AuthServiceMode.ForMatrix(principal), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> UserInfo(HttpContext http)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal)
        {
            return Results.Challenge(null, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [Claims.Subject] = principal.GetClaim(Claims.Subject),
        };
        foreach (var name in new[] { Claims.Name, Claims.PreferredUsername, "matrix_handle", "tenant_id", "tenant_domain", Claims.Email })
        {
            if (principal.GetClaim(name) is { } value)
            {
                claims[name] = value;
            }
        }

        return Results.Json(claims);
    }

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
