using System.Globalization;
using System.Text;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Managed aliases: <c>#{prefix}{tenant}.{kind}.{slug}:{server}</c>. Tenant and slug keep
/// <c>a-z 0-9 -</c> as they are and write every other byte as <c>=xx</c> (the way Matrix escapes
/// localparts), so '.' never occurs inside them and an alias parses back to exactly what made it.
/// </summary>
public sealed class RoomAliases(string prefix, string serverName)
{
    public const int MaxAliasBytes = 255;

    public string For(string tenantId, RoomKind kind, string slug) =>
        $"#{Localpart(tenantId, kind, slug)}:{serverName}";

    public string Localpart(string tenantId, RoomKind kind, string slug) =>
        $"{prefix}{Encode(tenantId)}.{Names.Word(kind)}.{Encode(slug)}";

    public bool Fits(string tenantId, RoomKind kind, string slug) =>
        Encoding.UTF8.GetByteCount(For(tenantId, kind, slug)) <= MaxAliasBytes;

    /// <summary>Tenant, kind and slug of one of our aliases; null for anything else.</summary>
    public (string TenantId, RoomKind Kind, string Slug)? Parse(string alias)
    {
        var suffix = ":" + serverName;
        if (!alias.StartsWith('#') || !alias.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var localpart = alias[1..^suffix.Length];
        if (!localpart.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = localpart[prefix.Length..].Split('.');
        if (parts.Length != 3 || Names.EntityKind(parts[1]) is not { } kind
            || Decode(parts[0]) is not { } tenant || Decode(parts[2]) is not { } slug
            || Encode(tenant) != parts[0] || Encode(slug) != parts[2])
        {
            return null;
        }

        return (tenant, kind, slug);
    }

    public static string Encode(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('=').Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    public static string? Decode(string value)
    {
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '=')
            {
                bytes.Add((byte)value[i]);
            }
            else if (i + 2 < value.Length && byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                return null;
            }
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
