using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Server;
using OpenMeet.Oidc.AuthService;
using OpenMeet.Oidc.Endpoints;
using OpenMeet.Oidc.Keys;
using OpenMeet.Oidc.Pages;
using OpenMeet.Oidc.Stores;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpenMeet.Oidc;

/// <summary>
/// The OIDC issuer Synapse signs people in with: OpenIddict's server (code flow with PKCE required,
/// refresh tokens, userinfo, JWKS, discovery, end session) on LiteDB stores, keys from the data folder.
/// </summary>
public static class OidcIssuer
{
    /// <summary>The seed's scope for the person's community (<c>openid profile email tenant</c>). The ID
    /// token carries <c>tenant_id</c> and <c>tenant_domain</c> whatever the scopes (the contract); a client
    /// that asks for them by this scope is accepted, and discovery lists it.</summary>
    public const string TenantScope = "tenant";

    /// <summary>The issuer's own sign-in session (a cookie on /oidc), not a Matrix session.</summary>
    public const string SessionScheme = "OpenMeet.Oidc.Session";

    public static IServiceCollection AddOidcIssuer(this IServiceCollection services, OidcConfig config, string keysPath)
    {
        services.AddSingleton(config);
        services.AddSingleton<LoginAttempts>();
        services.AddSingleton<OidcMetrics>();
        services.AddSingleton<HandleCheckLimit>();
        services.AddSingleton<BackchannelLogout>();
        services.AddSingleton<ISessionLogout>(sp => sp.GetRequiredService<BackchannelLogout>());
        services.AddSingleton<UsedAssertions>();
        services.AddHostedService<OidcPruning>();
        if (config.IsAuthService)
        {
            services.AddSingleton<ClientRegistration.Limit>();
            services.AddSingleton<CredentialGrant>();
            services.AddScoped<MatrixSessions>();
        }

        services.AddHttpClient(BackchannelLogout.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        var issuer = config.Issuer.TrimEnd('/');
        // An https issuer's cookies never travel over plain http, whatever scheme a proxy in front of it used.
        var secure = new Uri(issuer).Scheme == Uri.UriSchemeHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        services.AddAntiforgery(o =>
        {
            o.FormFieldName = "__csrf";
            o.Cookie.Name = "openmeet.oidc.csrf";
            o.Cookie.Path = "/oidc";
            o.Cookie.SecurePolicy = secure;
        });
        services.AddAuthentication().AddCookie(SessionScheme, o =>
        {
            o.Cookie.Name = "openmeet.oidc.session";
            o.Cookie.Path = "/oidc";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = secure;
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.LoginPath = "/oidc/login";
        });

        var keys = IssuerKeys.LoadOrCreate(keysPath);
        services.AddSingleton(keys);
        Uri At(string path) => new($"{issuer}/{path}");
        services.AddOpenIddict()
            .AddCore(o => o.UseLiteDb())
            .AddServer(o =>
            {
                o.SetIssuer(new Uri(issuer));
                o.SetConfigurationEndpointUris(At(".well-known/openid-configuration"))
                    .SetJsonWebKeySetEndpointUris(At("jwks"))
                    .SetAuthorizationEndpointUris(At("authorize"))
                    .SetTokenEndpointUris(At("token"))
                    .SetUserInfoEndpointUris(At("userinfo"))
                    .SetEndSessionEndpointUris(At("logout"));
                o.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().RequireProofKeyForCodeExchange();
                o.Configure(options =>
                {
                    options.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
                    options.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.PrivateKeyJwt);
                });
                o.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, TenantScope);
                o.RegisterClaims(Claims.Subject, Claims.Name, Claims.PreferredUsername, Claims.Email, "matrix_handle", "tenant_id", "tenant_domain", "sid");
                foreach (var key in IssuerKeys.SigningKeys(keys))
                {
                    o.AddSigningKey(key);
                }

                o.AddEncryptionKey(IssuerKeys.EncryptionKey(keys));
                o.DisableAccessTokenEncryption();
                o.SetAuthorizationCodeLifetime(TimeSpan.FromSeconds(config.CodeLifetimeSeconds));
                o.AddEventHandler(IdTokenClaims.Descriptor);
                o.AddEventHandler(AuthorizationErrors.Descriptor);
                if (config.IsAuthService)
                {
                    AuthServiceMode.Configure(o, At, issuer);
                    // Also at the host's root: matrix-js-sdk's token refresher (37.5) resolves
                    // ".well-known/openid-configuration" against an issuer without a trailing slash.
                    o.SetConfigurationEndpointUris(At(".well-known/openid-configuration"), new Uri(new Uri(issuer), "/.well-known/openid-configuration"));
                }
                else
                {
                    o.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(b => b.UseInlineHandler(context =>
                    {
                        context.Metadata["backchannel_logout_supported"] = true;
                        context.Metadata["backchannel_logout_session_supported"] = true;
                        return default;
                    }));
                }

                var aspNet = o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
                if (new Uri(issuer).Scheme == Uri.UriSchemeHttp && Loopback.Is(new Uri(issuer)))
                {
                    // Plain http only on the machine itself (development); the config refuses an http issuer elsewhere.
                    aspNet.DisableTransportSecurityRequirement();
                }
            });
        services.AddHostedService<ClientSeeder>();
        return services;
    }
}
