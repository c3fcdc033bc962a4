using LiteDB;

namespace OpenMeet.Oidc.Models;

/// <summary>A scope known to the issuer (collection <c>oidc_scopes</c>).</summary>
public sealed class OidcScope : IOidcDocument
{
    [BsonId]
    public string Id { get; set; } = ObjectId.NewObjectId().ToString();

    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    public string? Description { get; set; }

    /// <summary>JSON object of culture name to description.</summary>
    public string? Descriptions { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>JSON object of culture name to display name.</summary>
    public string? DisplayNames { get; set; }

    public string? Name { get; set; }

    /// <summary>JSON object: OpenIddict's properties are arbitrary JSON values.</summary>
    public string? Properties { get; set; }

    // Native array so LiteDB can index and query its elements (FindByResourceAsync).
    public List<string> Resources { get; set; } = [];
}
