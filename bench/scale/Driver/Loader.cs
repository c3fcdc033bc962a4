using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OpenMeet.Bench.Scale.Driver;

/// <summary>Writes the desired state through the internal API, a bounded number of requests at a time,
/// in the order OpenMeet would: tenants, users, events and groups, memberships.</summary>
public sealed class Loader(HttpClient http, int concurrency)
{
    private int failures;
    private string? firstFailure;

    public List<(string Phase, int Requests, TimeSpan Took)> Phases { get; } = [];

    public async Task LoadAsync(DesiredModel model)
    {
        await PhaseAsync("tenants", model.Tenants, t => Put($"tenants/{t}", new() { ["name"] = DesiredModel.TenantName(t) }));
        await PhaseAsync("users", model.Users, u => Put($"tenants/{u.Tenant}/users/{u.Slug}",
            new() { ["name"] = $"Person {u.Slug}", ["email"] = $"{u.Slug}@example.org", ["handle"] = u.Handle }));
        await PhaseAsync("events and groups", model.Rooms, async r =>
        {
            var reply = await Put($"tenants/{r.Tenant}/{r.Kind}/{r.Slug}",
                new() { ["name"] = r.Name, ["visibility"] = r.Public ? "public" : "private", ["topic"] = "Made by bench/scale" });
            r.Alias = reply?["alias"]?.GetValue<string>();
        });
        await PhaseAsync("memberships", model.Rooms.SelectMany(r => r.Members.Select(m => (Room: r, Member: m))).ToList(),
            x => Put($"tenants/{x.Room.Tenant}/{x.Room.Kind}/{x.Room.Slug}/members/{x.Member.User.Slug}", new() { ["role"] = x.Member.Role }));
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} internal API writes failed; the first: {firstFailure}");
        }
    }

    private async Task PhaseAsync<T>(string name, IReadOnlyList<T> items, Func<T, Task> put)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (item, _) => await put(item));
        Phases.Add((name, items.Count, clock.Elapsed));
        Console.WriteLine($"    {name}: {items.Count:N0} PUTs in {clock.Elapsed.TotalSeconds:F1} s ({items.Count / clock.Elapsed.TotalSeconds:N0}/s)");
    }

    private async Task<JsonObject?> Put(string path, JsonObject body)
    {
        using var response = await http.PutAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            if (Interlocked.Increment(ref failures) == 1)
            {
                firstFailure = $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }

            return null;
        }

        return await response.Content.ReadFromJsonAsync<JsonObject>();
    }
}
