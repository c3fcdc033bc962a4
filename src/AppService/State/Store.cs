using LiteDB;
using OpenMeet.Oidc.Stores;

namespace OpenMeet.AppService.State;

/// <summary>The collections of OpenMeet's desired state, with the indexes their queries use.</summary>
public sealed class Store
{
    private readonly Lock writes = new();

    public Store(LiteDatabase db)
    {
        LiteDbMapping.Prepare(db, typeof(TenantDoc), typeof(UserDoc), typeof(DeviceChange), typeof(RoomDoc), typeof(MemberDoc), typeof(OverrideDoc), typeof(CrossTenantDoc));
        Tenants = db.GetCollection<TenantDoc>("tenants");
        Users = db.GetCollection<UserDoc>("users");
        Users.EnsureIndex(u => u.TenantId);
        Users.EnsureIndex(u => u.Handle, unique: false);
        Users.EnsureIndex(u => u.UserId);
        Rooms = db.GetCollection<RoomDoc>("rooms");
        Rooms.EnsureIndex(r => r.TenantId);
        Rooms.EnsureIndex(r => r.RoomId);
        // A DM's two people, so that a new account finds its DMs without a scan of the tenant's rooms.
        Rooms.EnsureIndex(DmUsersIndex, "$.DmUsers[*]");
        Members = db.GetCollection<MemberDoc>("members");
        Members.EnsureIndex(m => m.RoomKey);
        Members.EnsureIndex(m => m.UserKey);
        Overrides = db.GetCollection<OverrideDoc>("overrides");
        Overrides.EnsureIndex(o => o.RoomKey);
        CrossTenant = db.GetCollection<CrossTenantDoc>("crosstenant");
    }

    public const string DmUsersIndex = "DmUsers";

    public ILiteCollection<TenantDoc> Tenants { get; }
    public ILiteCollection<UserDoc> Users { get; }
    public ILiteCollection<RoomDoc> Rooms { get; }
    public ILiteCollection<MemberDoc> Members { get; }
    public ILiteCollection<OverrideDoc> Overrides { get; }
    public ILiteCollection<CrossTenantDoc> CrossTenant { get; }

    /// <summary>
    /// The DMs anyone with this slug is in, of any tenant (the caller picks its tenant's), through the
    /// index of DM people: a tenant may have many DMs, a person has few. LiteDB would rather seek by
    /// tenant if the tenant were in the query, so it is not.
    /// </summary>
    public ILiteQueryable<RoomDoc> DmsOf(string userSlug) => Rooms.Query().Where(r => r.DmUsers.Contains(userSlug));

    /// <summary>
    /// Reads a room, changes it and writes it back as one step. OpenMeet's wish (the internal API) and
    /// the reconciler's outcome are two writers of one document: each changes only its own fields on
    /// the latest copy, so neither undoes the other (a reconcile that took a while must not write back
    /// the name it started with). <paramref name="create"/> makes the document when there is none;
    /// without it a missing room stays missing and the answer is null.
    /// </summary>
    public RoomDoc? ChangeRoom(string key, Action<RoomDoc> change, Func<RoomDoc>? create = null) => Change(Rooms, key, change, create);

    /// <summary>The same for a person: a revocation made while their account is being provisioned stays made.</summary>
    public UserDoc? ChangeUser(string key, Action<UserDoc> change, Func<UserDoc>? create = null) => Change(Users, key, change, create);

    private T? Change<T>(ILiteCollection<T> collection, string key, Action<T> change, Func<T>? create)
        where T : class
    {
        lock (writes)
        {
            if ((collection.FindById(key) ?? create?.Invoke()) is not { } document)
            {
                return null;
            }

            change(document);
            collection.Upsert(document);
            return document;
        }
    }
}
