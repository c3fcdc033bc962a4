using LiteDB;

namespace OpenMeet.Oidc.Models;

/// <summary>A user's grant to a client (collection <c>oidc_authorizations</c>).</summary>
public sealed class OidcAuthorization : IOidcGrant
{
    [BsonId]
    public string Id { get; set; } = ObjectId.NewObjectId().ToString();

    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    public string? ApplicationId { get; set; }

    /// <summary>UTC; LiteDB keeps milliseconds.</summary>
    public DateTime? CreationDate { get; set; }

    /// <summary>JSON object: OpenIddict's properties are arbitrary JSON values.</summary>
    public string? Properties { get; set; }

    public List<string> Scopes { get; set; } = [];

    public string? Status { get; set; }

    public string? Subject { get; set; }

    public string? Type { get; set; }
}
