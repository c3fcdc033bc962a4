namespace OpenMeet.Oidc.Stores;

/// <summary>The LiteDB collections behind OpenIddict's stores.</summary>
public static class OidcCollections
{
    public const string Applications = "oidc_applications";
    public const string Authorizations = "oidc_authorizations";
    public const string Scopes = "oidc_scopes";
    public const string Tokens = "oidc_tokens";
}
