namespace OpenMeet.Bench.Scale.Driver;

public sealed record UserSpec(string Tenant, string Slug, string Handle, string MatrixId);

public sealed record MemberSpec(UserSpec User, string Role, int Level);

public sealed record RoomSpec(string Tenant, string Kind, string Slug, bool Public, IReadOnlyList<MemberSpec> Members)
{
    public string Name => $"Scale {Kind[..^1]} {Slug}";

    /// <summary>Filled in from the service's answer to the PUT (the alias escapes tenant and slug its own way).</summary>
    public string? Alias { get; set; }
}

/// <summary>
/// OpenMeet's desired state for a run: tenants, users with handles (shared by the rooms of their tenant),
/// events and groups alternately, each with members drawn from its tenant (a host or owner, a moderator,
/// a speaker or admin, the rest participants or members). The same sizes give the same state.
/// </summary>
public sealed class DesiredModel
{
    private static readonly Dictionary<string, int> EventLevels = new() { ["host"] = 100, ["moderator"] = 50, ["speaker"] = 25, ["participant"] = 0 };
    private static readonly Dictionary<string, int> GroupLevels = new() { ["owner"] = 100, ["admin"] = 75, ["moderator"] = 50, ["member"] = 0 };

    public DesiredModel(Settings s, string serverName)
    {
        Tenants = [.. Enumerable.Range(1, s.Tenants).Select(t => $"t{t}")];
        Users = [.. Enumerable.Range(0, s.Users).Select(i =>
        {
            var handle = $"person.{i:D6}";
            return new UserSpec(Tenants[i % s.Tenants], $"u{i:D6}", handle, $"@{handle}:{serverName}");
        })];
        var byTenant = Users.GroupBy(u => u.Tenant).ToDictionary(g => g.Key, g => g.ToList());
        var random = new Random(14);
        Rooms = [.. Enumerable.Range(0, s.Rooms).Select(r =>
        {
            var tenant = Tenants[r % s.Tenants];
            var isEvent = r % 2 == 0;
            var pool = byTenant[tenant];
            var picked = new HashSet<int>();
            while (picked.Count < Math.Min(s.MembersPerRoom, pool.Count))
            {
                picked.Add(random.Next(pool.Count));
            }

            var members = picked.Select((index, n) =>
            {
                var role = (isEvent, n) switch
                {
                    (true, 0) => "host", (true, 1) => "moderator", (true, 2) => "speaker", (true, _) => "participant",
                    (false, 0) => "owner", (false, 1) => "moderator", (false, 2) => "admin", (false, _) => "member",
                };
                return new MemberSpec(pool[index], role, (isEvent ? EventLevels : GroupLevels)[role]);
            }).ToList();
            return new RoomSpec(tenant, isEvent ? "events" : "groups", $"r{r:D6}", r % 3 != 0, members);
        })];
    }

    public IReadOnlyList<string> Tenants { get; }
    public IReadOnlyList<UserSpec> Users { get; }
    public IReadOnlyList<RoomSpec> Rooms { get; }
    public int Memberships => Rooms.Sum(r => r.Members.Count);

    public static string TenantName(string tenant) => $"Scale tenant {tenant}";
}
