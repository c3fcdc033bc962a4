using Microsoft.Extensions.DependencyInjection;
using OpenMeet.Oidc.Models;

namespace OpenMeet.Oidc.Stores;

/// <summary>Plugs the LiteDB stores into OpenIddict, as <c>UseMongoDb()</c> does for MongoDB.</summary>
public static class LiteDbStoreExtensions
{
    /// <summary>
    /// Makes the <c>Oidc*</c> documents OpenIddict's default entities and registers their stores. The stores
    /// take the process's one <see cref="LiteDB.LiteDatabase"/>, which the host registers as a singleton.
    /// </summary>
    public static OpenIddictCoreBuilder UseLiteDb(this OpenIddictCoreBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Additional filtering stays on: LiteDB's default collation ignores case, and the managers'
        // ordinal re-checks are a second guard on top of the stores' own.
        builder.SetDefaultApplicationEntity<OidcApplication>()
               .SetDefaultAuthorizationEntity<OidcAuthorization>()
               .SetDefaultScopeEntity<OidcScope>()
               .SetDefaultTokenEntity<OidcToken>();

        // The stores hold no per-request state (only the database and its collections), so one instance each
        // is shared; the concurrency-token checks do not depend on that (see WriteGate).
        return builder.ReplaceApplicationStore<OidcApplication, OidcApplicationStore>(ServiceLifetime.Singleton)
                      .ReplaceAuthorizationStore<OidcAuthorization, OidcAuthorizationStore>(ServiceLifetime.Singleton)
                      .ReplaceScopeStore<OidcScope, OidcScopeStore>(ServiceLifetime.Singleton)
                      .ReplaceTokenStore<OidcToken, OidcTokenStore>(ServiceLifetime.Singleton);
    }
}
