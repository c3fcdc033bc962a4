using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.Api;

/// <summary>
/// OpenMeet's JWTs on the public API: HS256 with a shared secret, or RS256 with keys from a JWKS URL
/// (cached, fetched again for an unknown key id). Issuer, audience and expiry are always checked.
/// </summary>
public static class OpenMeetAuth
{
    /// <summary>The policy of the public API: an OpenMeet JWT, checked on /api and nowhere else.</summary>
    public const string Policy = "openmeet";

    public static IServiceCollection AddOpenMeetAuth(this IServiceCollection services, AppConfig config)
    {
        var openMeet = config.OpenMeet;
        services.AddAuthorization(o => o.AddPolicy(Policy, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser()));
        // No default scheme, not even the one ASP.NET infers when a single scheme is registered: as a
        // default it would read every request's bearer token as a JWT, the hs_token of each of
        // Synapse's transactions included (an exception each time, on the acknowledgement path).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication().AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = openMeet.JwtIssuer,
                ValidAudience = openMeet.JwtAudience,
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = "name",
            };
            if (openMeet.JwksUrl.Length > 0)
            {
                o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
                o.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                    openMeet.JwksUrl, new JwksRetriever(), new HttpDocumentRetriever { RequireHttps = !OpenMeet.Oidc.Loopback.Is(new Uri(openMeet.JwksUrl)) });
            }
            else
            {
                o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
                // Without a secret nothing validates: every request is refused, which is the point.
                o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(
                    Encoding.UTF8.GetBytes(openMeet.JwtSecret.Length > 0 ? openMeet.JwtSecret : Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "-unset-unset"));
            }

            o.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var why = context.AuthenticateFailure switch
                    {
                        SecurityTokenExpiredException => "the OpenMeet token has expired",
                        SecurityTokenInvalidAudienceException => "the OpenMeet token is for another audience",
                        SecurityTokenInvalidIssuerException => "the OpenMeet token is from another issuer",
                        null => "Authorization: Bearer <OpenMeet token> is required",
                        _ => "the OpenMeet token is not valid",
                    };
                    await Errors.Api(401, "unauthorized", why).ExecuteAsync(context.HttpContext);
                },
            };
        });
        return services;
    }

    /// <summary>A JWKS document as an OIDC configuration, so the bearer handler can cache and refresh it.</summary>
    private sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
    {
        public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            var keys = new JsonWebKeySet(await retriever.GetDocumentAsync(address, cancel));
            var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = keys };
            foreach (var key in keys.GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }

            return configuration;
        }
    }
}
