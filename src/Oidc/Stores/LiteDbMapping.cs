using LiteDB;

namespace OpenMeet.Oidc.Stores;

/// <summary>
/// LiteDB 5.0.21 builds a type's mapping on the type's first use and can hand a half-built one to
/// another thread ("Member X not found on BsonMapper", litedb-org/LiteDB#2536). Whoever owns a
/// type's collection maps it here first: whole, under one lock, before anyone queries it.
/// </summary>
public static class LiteDbMapping
{
    private static readonly Lock Gate = new();

    public static void Prepare(LiteDatabase db, params Type[] types)
    {
        lock (Gate)
        {
            foreach (var type in types)
            {
                db.Mapper.ToDocument(type, Activator.CreateInstance(type));
            }
        }
    }

    /// <summary>The documents of OpenIddict's stores, which use each other's collections.</summary>
    public static void PrepareOidc(LiteDatabase db) =>
        Prepare(db, typeof(Models.OidcApplication), typeof(Models.OidcAuthorization), typeof(Models.OidcScope), typeof(Models.OidcToken));
}
