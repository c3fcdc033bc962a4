using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.Oidc.AuthService;
using OpenMeet.Oidc.Endpoints;
using OpenMeet.Oidc.Pages;

namespace OpenMeet.Oidc;

public static class OidcEndpoints
{
    /// <summary>Everything under /oidc that is ours rather than OpenIddict's (discovery and JWKS are OpenIddict's).</summary>
    public static IEndpointRouteBuilder MapOidc(this IEndpointRouteBuilder app)
    {
        app.MapOidcProtocol().MapOidcSignIn().MapOidcHandlePicker();
        if (app.ServiceProvider.GetRequiredService<OidcConfig>().IsAuthService)
        {
            app.MapClientRegistration().MapConsentPage().MapAccountPage();
        }

        return app;
    }
}
