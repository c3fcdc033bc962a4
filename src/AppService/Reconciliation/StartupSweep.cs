using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// After a start, every room and account is looked at once, so a restart loses nothing (a change
/// stored but not yet applied, a reconcile cut short). In the background: rooms are read from the
/// store a page at a time, in key order, and enqueued behind everything urgent only as fast as the
/// workers take them. Closed rooms are passed by, and so are rooms whose last reconcile left nothing
/// to do for the same desired state (<see cref="RoomDoc.Converged"/>), with no change by anyone else
/// since: those are as wanted without a read from Synapse.
/// </summary>
public sealed partial class StartupSweep(Store store, ReconcileBacklog backlog, RoomReconciler rooms, AccountReconciler accounts, ILogger<StartupSweep> logger)
{
    private const int Page = 100;

    public async Task RunAsync(CancellationToken ct)
    {
        var (queued, passed) = (0, 0);
        // Spaces first: every other room of a tenant waits for its space.
        foreach (var room in Pages(store.Rooms, r => r.Kind == RoomKind.Space).Concat(Pages(store.Rooms, r => r.Kind != RoomKind.Space)))
        {
            if (IsCurrent(room))
            {
                passed++;
                continue;
            }

            await backlog.EnqueueInBackgroundAsync(ReconcileKey.Room(room.Id), ct);
            queued++;
        }

        foreach (var user in Pages(store.Users, u => u.Handle != null || u.Revoked))
        {
            if (!accounts.IsCurrent(user))
            {
                await backlog.EnqueueInBackgroundAsync(ReconcileKey.Account(user.Id), ct);
                queued++;
            }
        }

        LogSwept(queued, passed);
    }

    private bool IsCurrent(RoomDoc room) =>
        room is { Deleted: true, Status: RoomStatus.Closed }
        || room is { Status: RoomStatus.Ready, Converged: { } converged } && converged == rooms.Fingerprint(room);

    // Lazily, by key: a page at a time, never the whole collection in memory or one cursor held open.
    private static IEnumerable<T> Pages<T>(LiteDB.ILiteCollection<T> collection, System.Linq.Expressions.Expression<Func<T, bool>> filter)
    {
        var after = "";
        while (true)
        {
            var page = collection.Query().Where("_id > @0", after).Where(filter).OrderBy("_id").Limit(Page).ToList();
            foreach (var doc in page)
            {
                yield return doc;
            }

            if (page.Count < Page)
            {
                yield break;
            }

            after = Id(page[^1]);
        }
    }

    private static string Id<T>(T doc) => doc switch
    {
        RoomDoc r => r.Id,
        UserDoc u => u.Id,
        _ => throw new InvalidOperationException($"no key for {typeof(T).Name}"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Start-up sweep done: {Queued} rooms and accounts queued, {Passed} rooms as wanted already")]
    private partial void LogSwept(int queued, int passed);
}
