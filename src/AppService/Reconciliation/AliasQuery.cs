using OpenMeet.AppService.State;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// An alias of an existing entity gets its room created (fully configured) before the answer, so the
/// lookup that follows Synapse's question finds it.
/// </summary>
public sealed class AliasQuery(RoomAliases aliases, Store store, Reconciler reconciler) : IAliasQuery
{
    public async Task<bool> ExistsAsync(string alias, CancellationToken ct) =>
        aliases.Parse(alias) is { } entity
        && store.Rooms.FindById(Names.EntityKey(entity.TenantId, entity.Kind, entity.Slug)) is { Deleted: false } room
        && await reconciler.EnsureRoomAsync(room.Id, TimeSpan.FromSeconds(25), ct) is not null;
}
