using LiteDB;

namespace OpenMeet.Oidc.Models;

/// <summary>An issued token: authorization code, refresh token, ... (collection <c>oidc_tokens</c>).</summary>
public sealed class OidcToken : IOidcGrant
{
    [BsonId]
    public string Id { get; set; } = ObjectId.NewObjectId().ToString();

    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    public string? ApplicationId { get; set; }

    public string? AuthorizationId { get; set; }

    /// <summary>UTC; LiteDB keeps milliseconds.</summary>
    public DateTime? CreationDate { get; set; }

    /// <summary>UTC.</summary>
    public DateTime? ExpirationDate { get; set; }

    /// <summary>The protected token itself, stored only for reference tokens (and codes, which always are).</summary>
    public string? Payload { get; set; }

    /// <summary>JSON object: OpenIddict's properties are arbitrary JSON values.</summary>
    public string? Properties { get; set; }

    /// <summary>UTC; set on first redemption, kept when a refresh token is redeemed again within its leeway.</summary>
    public DateTime? RedemptionDate { get; set; }

    /// <summary>The hashed identifier handed out instead of the payload for reference tokens.</summary>
    public string? ReferenceId { get; set; }

    public string? Status { get; set; }

    public string? Subject { get; set; }

    public string? Type { get; set; }
}
