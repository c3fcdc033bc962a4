using LiteDB;

namespace OpenMeet.AppService.State;

/// <summary>Two tenants whose people may be in each other's rooms; the id is the pair sorted, <c>a|b</c>.</summary>
public sealed class CrossTenantDoc
{
    [BsonId]
    public string Id { get; set; } = "";
    public DateTime CreatedAt { get; set; }

    public static string Pair(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? $"{a}|{b}" : $"{b}|{a}";
}
