using Microsoft.AspNetCore.DataProtection;
using OpenMeet.AppService.Configuration;
using OpenMeet.Oidc;
using OpenMeet.Oidc.AuthService;

namespace OpenMeet.AppService.SignIn;

public static class SignInExtensions
{
    /// <summary>The OIDC issuer (when enabled) with OpenMeet's people behind it; the cookie keys it signs with.</summary>
    public static IServiceCollection AddSignIn(this IServiceCollection services, AppConfig config)
    {
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(config.DataDirectory, "protection-keys")));
        if (config.Oidc.Enabled)
        {
            services.AddOidcIssuer(config.Oidc, Path.Combine(config.DataDirectory, "oidc-keys.json"));
            services.AddSingleton<IOidcPeople, OidcPeople>();
            if (config.Oidc.IsAuthService && config.Homeserver.AdminToken.Length > 0)
            {
                services.AddSingleton(new HomeserverAdmin(config.Homeserver.AdminToken, config.Oidc.MatrixAuthService.AdminUser));
            }
        }

        return services;
    }
}
