using System.Collections.Immutable;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>Turns a room's OpenMeet state (from the store) into a <see cref="DesiredRoom"/> for the planner.</summary>
public sealed class DesiredRooms(Store store, AppConfig config, RoomAliases aliases)
{
    public DesiredRoom Build(RoomDoc room, TenantDoc tenant, string? spaceRoomId, ObservedRoom observed)
    {
        var members = room.Kind switch
        {
            RoomKind.Space => SpaceMembers(room.TenantId),
            RoomKind.Dm => DmMembers(room),
            _ => EntityMembers(room),
        };
        var tenantOf = members.Users.ToDictionary(u => u.UserId!, u => u.TenantId, StringComparer.Ordinal);
        foreach (var (userId, _) in observed.Members)
        {
            if (!tenantOf.ContainsKey(userId) && store.Users.FindOne(u => u.UserId == userId) is { Revoked: false } known)
            {
                tenantOf[userId] = known.TenantId;
            }
        }

        return new DesiredRoom
        {
            BotUserId = config.BotUserId,
            ServerName = config.Homeserver.ServerName,
            TenantId = room.TenantId,
            Kind = room.Kind,
            Name = room.Kind switch
            {
                RoomKind.Dm => null,
                RoomKind.Space => tenant.Name,
                _ => room.Name,
            },
            Topic = room.Topic,
            Alias = room.Kind is RoomKind.Event or RoomKind.Group ? aliases.For(room.TenantId, room.Kind, room.Slug) : null,
            Closed = room.Deleted,
            SpaceRoomId = room.Kind is RoomKind.Event or RoomKind.Group ? spaceRoomId : null,
            Public = room.Public,
            Members = members.Levels,
            NoInvite = members.NoInvite,
            TenantOf = tenantOf.ToImmutableDictionary(StringComparer.Ordinal),
            AllowedTenants = AllowedTenants(room.TenantId),
            Strict = config.Reconciler.MemberPolicy == "strict",
            ForceJoin = config.Reconciler.ForceJoin,
            SpaceChildren = room.Kind == RoomKind.Space ? SpaceChildren(room.TenantId) : [],
        };
    }

    private sealed record Members(List<UserDoc> Users, ImmutableDictionary<string, int> Levels, ImmutableHashSet<string> NoInvite);

    private Members EntityMembers(RoomDoc room)
    {
        var roles = room.Kind == RoomKind.Event ? config.Reconciler.PowerLevels.Event : config.Reconciler.PowerLevels.Group;
        var overrides = store.Overrides.Find(o => o.RoomKey == room.Id).ToDictionary(o => o.UserSlug, o => o.PowerLevel, StringComparer.Ordinal);
        var users = new List<UserDoc>();
        var levels = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        var noInvite = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var member in store.Members.Find(m => m.RoomKey == room.Id))
        {
            if (Account(member.UserKey) is not { } user)
            {
                continue;
            }

            users.Add(user);
            levels[user.UserId!] = overrides.TryGetValue(member.UserSlug, out var level) ? level : roles.GetValueOrDefault(member.Role);
            if (member.OptedOut)
            {
                noInvite.Add(user.UserId!);
            }
        }

        return new(users, levels.ToImmutable(), noInvite.ToImmutable());
    }

    private Members SpaceMembers(string tenantId)
    {
        var users = store.Users.Find(u => u.TenantId == tenantId && u.UserId != null && !u.Revoked).ToList();
        return new(users, users.ToImmutableDictionary(u => u.UserId!, _ => 0, StringComparer.Ordinal),
            [.. users.Where(u => u.LeftSpace).Select(u => u.UserId!)]);
    }

    private Members DmMembers(RoomDoc room)
    {
        var users = room.DmUsers.Select(slug => Account(Names.UserKey(room.TenantId, slug))).OfType<UserDoc>().ToList();
        return new(users, users.ToImmutableDictionary(u => u.UserId!, _ => 0, StringComparer.Ordinal), []);
    }

    private UserDoc? Account(string userKey) =>
        store.Users.FindById(userKey) is { UserId: not null, Revoked: false } user ? user : null;

    private ImmutableHashSet<string> AllowedTenants(string tenantId) =>
        [.. store.CrossTenant.FindAll().Select(p => p.Id.Split('|')).Where(p => p.Contains(tenantId)).SelectMany(p => p).Where(t => t != tenantId)];

    private ImmutableHashSet<string> SpaceChildren(string tenantId) =>
        [.. store.Rooms.Find(r => r.TenantId == tenantId && (r.Kind == RoomKind.Event || r.Kind == RoomKind.Group) && !r.Deleted && r.RoomId != null)
            .Select(r => r.RoomId!)];
}
