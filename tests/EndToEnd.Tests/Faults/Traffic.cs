using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenMeet.EndToEnd.Tests.Faults;

/// <summary>
/// Real traffic through Synapse's client API in managed rooms (messages, joins, leaves, power-level
/// changes by the host) and through the internal API (role changes), as the people of one tenant.
/// Keeps the event ids Synapse returned and what the rooms should be in the end.
/// </summary>
internal sealed class Traffic(OpenMeet om, string tenant, IReadOnlyList<Traffic.Room> rooms, IReadOnlyList<string> slugs, IReadOnlyList<HttpClient> people)
{
    public sealed record Room(string Kind, string Slug, string RoomId, string[] Roles);

    public enum Membership { Invited, Joined, Left }

    private readonly Random random = new(Environment.TickCount);

    /// <summary>(room, person) → membership as the person made it.</summary>
    public Dictionary<(int Room, int Person), Membership> Memberships { get; } = [];

    /// <summary>(room, person) → the role OpenMeet last gave them (answered 200, so stored).</summary>
    public Dictionary<(int Room, int Person), string> Roles { get; } = [];

    /// <summary>Event ids Synapse returned for what this traffic sent.</summary>
    public ConcurrentBag<string> Sent { get; } = [];

    public ConcurrentDictionary<string, int> Counts { get; } = new();

    public string Tenant => tenant;

    public string UserId(int person) => om.UserId($"{tenant}.{slugs[person]}");

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await StepAsync();
            }
            catch (HttpRequestException)
            {
                // Synapse or the service busy: the next step tries something else.
            }

            await Task.Delay(random.Next(30, 120), CancellationToken.None);
        }
    }

    private async Task StepAsync()
    {
        var roll = random.Next(100);
        var r = random.Next(rooms.Count);
        var p = random.Next(people.Count);
        var m = Memberships[(r, p)];
        if (roll < 20 && m == Membership.Invited)
        {
            await MembershipAsync(r, p, "join", Membership.Joined);
        }
        else if (roll < 60 && m == Membership.Joined)
        {
            await SendAsync("message", people[p], $"_matrix/client/v3/rooms/{Esc(rooms[r].RoomId)}/send/m.room.message/{Guid.NewGuid():N}",
                new JsonObject { ["msgtype"] = "m.text", ["body"] = $"hello from {slugs[p]}" });
        }
        else if (roll < 68 && m == Membership.Joined && p != 0)
        {
            await MembershipAsync(r, p, "leave", Membership.Left);
        }
        else if (roll < 80 && Memberships[(r, 0)] == Membership.Joined && p != 0)
        {
            // The host changes someone's power level by hand: drift the bot puts back.
            var path = $"_matrix/client/v3/rooms/{Esc(rooms[r].RoomId)}/state/m.room.power_levels/";
            using var current = await people[0].GetAsync(path);
            if (current.IsSuccessStatusCode && JsonNode.Parse(await current.Content.ReadAsStringAsync()) is JsonObject levels)
            {
                levels["users"] ??= new JsonObject();
                levels["users"]![UserId(p)] = random.Next(1, 99);
                await SendAsync("power level", people[0], path, levels);
            }
        }
        else if (roll < 100 && m != Membership.Left && p != 0)
        {
            var role = rooms[r].Roles[random.Next(1, rooms[r].Roles.Length)];
            // A PUT a kill cut off may have been stored or not: like OpenMeet, send it again until it is
            // answered (a PUT is idempotent), so the role expected is the one the service has.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await om.PutAsync($"tenants/{tenant}/{rooms[r].Kind}/{rooms[r].Slug}/members/{slugs[p]}", new { role });
                    break;
                }
                catch (HttpRequestException) when (attempt < 120)
                {
                    await Task.Delay(500, CancellationToken.None);
                }
            }

            Roles[(r, p)] = role;
            Counts.AddOrUpdate("role change", 1, (_, n) => n + 1);
        }
    }

    /// <summary>Joins every invitation there is (the start of the traffic).</summary>
    public async Task JoinAllAsync()
    {
        foreach (var (r, p) in Memberships.Keys.ToList())
        {
            await MembershipAsync(r, p, "join", Membership.Joined);
        }
    }

    /// <summary>A message from the host (person 0, who never leaves) into the first room; whether Synapse took it.</summary>
    public Task<bool> HostMessageAsync() => SendAsync("message", people[0], $"_matrix/client/v3/rooms/{Esc(rooms[0].RoomId)}/send/m.room.message/{Guid.NewGuid():N}",
        new JsonObject { ["msgtype"] = "m.text", ["body"] = "the last outage" });

    private async Task MembershipAsync(int r, int p, string membership, Membership then)
    {
        if (await SendAsync(membership, people[p], $"_matrix/client/v3/rooms/{Esc(rooms[r].RoomId)}/state/m.room.member/{Esc(UserId(p))}",
                new JsonObject { ["membership"] = membership }))
        {
            Memberships[(r, p)] = then;
        }
    }

    private async Task<bool> SendAsync(string what, HttpClient who, string path, JsonObject content)
    {
        using var response = await who.PutAsJsonAsync(path, content);
        if (!response.IsSuccessStatusCode)
        {
            return false;
        }

        Sent.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("event_id").GetString()!);
        Counts.AddOrUpdate(what, 1, (_, n) => n + 1);
        return true;
    }

    private static string Esc(string s) => Uri.EscapeDataString(s);
}
