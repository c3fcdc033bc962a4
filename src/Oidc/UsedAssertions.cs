using LiteDB;

namespace OpenMeet.Oidc;

/// <summary>
/// The <c>jti</c>s of OpenMeet assertions already used, and the nonces of finished hand-offs (as
/// <c>handoff:</c>nonce): each one signs someone in once.
/// </summary>
public sealed class UsedAssertions(LiteDatabase db)
{
    private readonly ILiteCollection<BsonDocument> used = db.GetCollection("oidc_used_assertions");

    /// <summary>True the first time a jti is seen; false for a replay.</summary>
    public bool TryUse(string jti, DateTime expires)
    {
        used.DeleteMany(Query.LT("expires", DateTime.UtcNow.AddMinutes(-5)));
        try
        {
            used.Insert(new BsonDocument { ["_id"] = jti, ["expires"] = expires });
            return true;
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            return false;
        }
    }
}
