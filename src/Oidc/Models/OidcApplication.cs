using LiteDB;

namespace OpenMeet.Oidc.Models;

/// <summary>An OIDC client, as OpenIddict's application store persists it (collection <c>oidc_applications</c>).</summary>
public sealed class OidcApplication : IOidcDocument
{
    [BsonId]
    public string Id { get; set; } = ObjectId.NewObjectId().ToString();

    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    public string? ApplicationType { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Already hashed by OpenIddict's application manager; the store never sees the plain secret.</summary>
    public string? ClientSecret { get; set; }

    public string? ClientType { get; set; }

    public string? ConsentType { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>JSON object of culture name to display name.</summary>
    public string? DisplayNames { get; set; }

    /// <summary>Serialized JSON Web Key Set (client assertion keys), if the client has one.</summary>
    public string? JsonWebKeySet { get; set; }

    public List<string> Permissions { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>JSON object: OpenIddict's properties are arbitrary JSON values.</summary>
    public string? Properties { get; set; }

    // Arrays stay native so LiteDB can index and query their elements (FindByRedirectUriAsync).
    public List<string> RedirectUris { get; set; } = [];

    public List<string> Requirements { get; set; } = [];

    /// <summary>JSON object of setting name to value (token lifetimes and the like).</summary>
    public string? Settings { get; set; }
}
