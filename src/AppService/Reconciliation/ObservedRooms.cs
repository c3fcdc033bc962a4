using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// The observed state of managed rooms, kept from Synapse's transactions instead of read back for
/// every reconcile. Our own writes are applied as they succeed (so echoes carry nothing new and are
/// not applied: an echo can be older than a later write of ours); changes by anyone else update the
/// room and mark it for reconciliation, which is how manual changes are undone.
/// Bounded: at most <c>reconciler.cached_rooms</c> rooms are kept, the least recently used go first,
/// and a closed room goes once it is reconciled; a room not kept is read from Synapse when next needed.
/// </summary>
public sealed class ObservedRooms(MatrixClient matrix, Store store, ReconcileBacklog queue, AppConfig config) : IEventConsumer
{
    private readonly ConcurrentDictionary<string, Entry> rooms = new(StringComparer.Ordinal);

    // Rooms being read from Synapse: set to true when an event for the room arrives meanwhile, so that a
    // read that may predate the event is used once but not kept (the event queued the room again).
    private readonly ConcurrentDictionary<string, bool> reading = new(StringComparer.Ordinal);
    private readonly Lock evicting = new();
    private long clock;

    private sealed class Entry(ObservedRoom room, long used)
    {
        public ObservedRoom Room = room;
        public long Used = used;
    }

    public int Count => rooms.Count;

    public async Task<ObservedRoom> GetAsync(string roomId, CancellationToken ct)
    {
        if (rooms.TryGetValue(roomId, out var cached))
        {
            cached.Used = Interlocked.Increment(ref clock);
            return cached.Room;
        }

        reading[roomId] = false;
        var room = ObservedRoom.Empty(roomId);
        try
        {
            var managed = store.Rooms.FindOne(r => r.RoomId == roomId);
            foreach (var e in await matrix.GetStateAsync(roomId, ct))
            {
                if (e is JsonObject ev && Tracked(ev) is var (type, stateKey, content))
                {
                    room = room.With(type, stateKey, content);
                    // A leave read here may not have been dispatched yet (after a restart the dispatcher
                    // replays what came meanwhile while every room is reconciled): it counts as the
                    // person's own choice as well, unless OpenMeet changed the membership after it.
                    if (managed is not null && type == "m.room.member" && ev["origin_server_ts"]?.GetValueKind() == JsonValueKind.Number)
                    {
                        var at = DateTimeOffset.FromUnixTimeMilliseconds(ev["origin_server_ts"]!.GetValue<long>()).UtcDateTime;
                        NoteOwnMembershipChoice(managed, stateKey, ObservedRoom.Text(ev, "sender"), ObservedRoom.Text(content, "membership"), at);
                    }
                }
            }
        }
        finally
        {
            reading.TryRemove(roomId, out var changedMeanwhile);
            if (!changedMeanwhile)
            {
                Keep(roomId, room, replace: false);
            }
        }

        return room;
    }

    /// <summary>A room the reconciler has just made: what createRoom was asked for is what the room holds,
    /// so it is kept as such instead of read back.</summary>
    public void Created(ObservedRoom room) => Keep(room.RoomId, room, replace: true);

    /// <summary>Our action succeeded: apply it to the latest cached state (which may have moved on since
    /// the plan was made), never replace that state with the planner's snapshot.</summary>
    public void Applied(string roomId, RoomAction action) => Update(roomId, latest => latest.Apply(action));

    // Compare-and-swap on the cached room; a room that is not cached is read whole when next needed.
    private void Update(string roomId, Func<ObservedRoom, ObservedRoom> change)
    {
        if (!rooms.TryGetValue(roomId, out var entry))
        {
            reading.TryUpdate(roomId, true, false);
            return;
        }

        lock (entry)
        {
            entry.Room = change(entry.Room);
        }
    }

    // A read does not replace what another reader kept meanwhile: that copy may have had our writes applied.
    private void Keep(string roomId, ObservedRoom room, bool replace)
    {
        var entry = new Entry(room, Interlocked.Increment(ref clock));
        if (replace)
        {
            rooms[roomId] = entry;
        }
        else
        {
            rooms.TryAdd(roomId, entry);
        }

        if (rooms.Count > config.Reconciler.CachedRooms)
        {
            Evict();
        }
    }

    // The least recently used tenth goes at once, so the scan is paid once per that many new rooms.
    private void Evict()
    {
        lock (evicting)
        {
            var limit = config.Reconciler.CachedRooms;
            var excess = rooms.Count - limit;
            if (excess <= 0)
            {
                return;
            }

            foreach (var (roomId, _) in rooms.OrderBy(kv => kv.Value.Used).Take(excess + (limit / 10)).ToList())
            {
                rooms.TryRemove(roomId, out _);
            }
        }
    }

    /// <summary>Forget a room's state: the next reconcile reads it from Synapse.</summary>
    public void Invalidate(string roomId) => rooms.TryRemove(roomId, out _);

    public bool Wants(MatrixEvent e) =>
        e is { IsState: true, RoomId: not null } && ObservedRoom.TrackedTypes.Contains(e.Type);

    public ValueTask HandleAsync(MatrixEvent e, CancellationToken cancellationToken)
    {
        if (e.IsEcho && !BotLeft(e))
        {
            return ValueTask.CompletedTask;
        }

        var room = store.Rooms.FindOne(r => r.RoomId == e.RoomId);
        if (room is null)
        {
            return ValueTask.CompletedTask;
        }

        var content = e.Content.ValueKind == JsonValueKind.Object ? (JsonObject)JsonNode.Parse(e.Content.GetRawText(), documentOptions: TransactionParser.DocumentOptions)! : [];
        var slim = Slim(e.Type, e.Sender, content);
        Update(e.RoomId!, latest => latest.With(e.Type, e.StateKey!, slim));

        if (e.Type == "m.room.member")
        {
            NoteOwnMembershipChoice(room, e.StateKey!, e.Sender, ObservedRoom.Text(content, "membership"));
        }

        if (room.Converged is not null)
        {
            // Someone else changed the room: it is not known to be as wanted until it is reconciled again.
            store.ChangeRoom(room.Id, r => r.Converged = null);
        }

        queue.Enqueue(ReconcileKey.Room(room.Id));
        return ValueTask.CompletedTask;
    }

    // Of our own changes, the bot leaving a room is the one the reconciler never makes: someone used its
    // token. It is applied, so that the next reconcile sees the bot out and enters again.
    private static bool BotLeft(MatrixEvent e) =>
        e.Type == "m.room.member" && e.StateKey == e.Sender && e.Content.ValueKind == JsonValueKind.Object
        && e.Content.TryGetProperty("membership", out var membership) && membership.ValueEquals("leave");

    // Someone who leaves (or declines) on their own is not invited again until OpenMeet changes their
    // membership; someone who comes back on their own is a member again.
    private void NoteOwnMembershipChoice(RoomDoc room, string userId, string? sender, string? membership, DateTime? at = null)
    {
        if (sender != userId || membership is not ("leave" or "join"))
        {
            return;
        }

        var user = store.Users.FindOne(u => u.UserId == userId);
        if (user is null)
        {
            return;
        }

        if (room.Kind == RoomKind.Space)
        {
            // Their tenant's space has no OpenMeet membership to change: the choice stands until they come back.
            if (user.TenantId == room.TenantId && user.LeftSpace != (membership == "leave"))
            {
                store.ChangeUser(user.Id, u => u.LeftSpace = membership == "leave");
            }

            return;
        }

        // The room's member of that slug is this person only if they are of the room's tenant: a person of
        // another tenant with the same slug who got in and left must not opt the member out.
        var member = user.TenantId == room.TenantId ? store.Members.FindById(Names.MemberKey(room.Id, user.Slug)) : null;
        if (member is not null && member.OptedOut != (membership == "leave") && (at is null || at > member.UpdatedAt))
        {
            member.OptedOut = membership == "leave";
            store.Members.Update(member);
        }
    }

    private static (string Type, string StateKey, JsonObject Content)? Tracked(JsonObject e)
    {
        var type = ObservedRoom.Text(e, "type");
        var stateKey = ObservedRoom.Text(e, "state_key");
        if (type is null || stateKey is null || !ObservedRoom.TrackedTypes.Contains(type))
        {
            return null;
        }

        return (type, stateKey, Slim(type, ObservedRoom.Text(e, "sender"), e["content"] as JsonObject ?? []));
    }

    // Only what the planner reads is kept: a membership, not a member's profile; plain values only.
    private static JsonObject Slim(string type, string? sender, JsonObject content) => type switch
    {
        "m.room.member" => new JsonObject { ["membership"] = ObservedRoom.Text(content, "membership") ?? "leave" },
        "m.room.create" => WithSender(ObservedRoom.Compact(content), sender),
        _ => ObservedRoom.Compact(content),
    };

    private static JsonObject WithSender(JsonObject content, string? sender)
    {
        content[RoomState.SenderKey] = sender;
        return content;
    }
}
