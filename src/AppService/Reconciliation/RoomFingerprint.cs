using System.Security.Cryptography;
using System.Text;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// A digest of what OpenMeet wants of a room, kept with the room when a reconcile left nothing to do
/// (<see cref="RoomDoc.Converged"/>). While it still matches and no change by anyone else arrived
/// since, the room is as wanted: the start-up sweep passes it by instead of reading it from Synapse.
/// Built from the desired room alone (what the room holds beyond its members is not in it), so it is
/// the same whether the room was read or not.
/// </summary>
public static class RoomFingerprint
{
    public static string Of(RoomDoc room, DesiredRoom d)
    {
        var text = new StringBuilder()
            .Append(room.RoomId).Append('\n')
            .Append(d.BotUserId).Append('\n').Append(d.ServerName).Append('\n').Append(d.TenantId).Append('\n')
            .Append(d.Kind).Append('\n').Append(d.Name).Append('\n').Append(d.Topic).Append('\n').Append(d.Alias).Append('\n')
            .Append(d.Closed).Append('\n').Append(d.SpaceRoomId).Append('\n').Append(d.Public).Append('\n')
            .Append(d.Strict).Append('\n').Append(d.ForceJoin).Append('\n');
        foreach (var (user, level) in d.Members.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            text.Append("m ").Append(user).Append(' ').Append(level).Append(' ').Append(d.TenantOf.GetValueOrDefault(user))
                .Append(d.NoInvite.Contains(user) ? " left" : "").Append('\n');
        }

        foreach (var tenant in d.AllowedTenants.Order(StringComparer.Ordinal))
        {
            text.Append("t ").Append(tenant).Append('\n');
        }

        foreach (var child in d.SpaceChildren.Order(StringComparer.Ordinal))
        {
            text.Append("c ").Append(child).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
