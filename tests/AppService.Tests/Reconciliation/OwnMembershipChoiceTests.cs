using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Tests.Reconciliation;

/// <summary>
/// Someone who leaves a managed room on their own is not invited again: noted against the room's member
/// of that person, and of nobody else. A person of another tenant with the same slug who got into the room
/// and left used to opt the room's own member out (found in writing docs/security.md).
/// </summary>
public sealed class OwnMembershipChoiceTests : IAsyncLifetime
{
    private const string Room = "!club:test.example.org";
    private readonly TestService service = new();

    private Store Store => service.Services.GetRequiredService<Store>();

    public async Task InitializeAsync()
    {
        await service.StartAsync();
        var api = service.Private(TestService.InternalToken);
        foreach (var (path, body) in new (string, object)[]
        {
            ("/internal/tenants/a", new { name = "A" }),
            ("/internal/tenants/b", new { name = "B" }),
            ("/internal/tenants/a/users/ann", new { name = "Ann of A" }),
            ("/internal/tenants/b/users/ann", new { name = "Ann of B" }),
            ("/internal/tenants/a/groups/club", new { name = "Club", visibility = "private" }),
            ("/internal/tenants/a/groups/club/members/ann", new { role = "member" }),
        })
        {
            (await api.PutAsJsonAsync(path, body)).StatusCode.Should().Be(HttpStatusCode.OK, path);
        }

        // As if provisioned and created: their Matrix ids, and the room's.
        Store.ChangeUser("a/ann", u => u.UserId = "@a.ann:test.example.org");
        Store.ChangeUser("b/ann", u => u.UserId = "@b.ann:test.example.org");
        Store.ChangeRoom("a/group/club", r => r.RoomId = Room);
    }

    public async Task DisposeAsync() => await service.DisposeAsync();

    [Fact]
    public async Task LeaveOfAPersonOfAnotherTenantWithTheSameSlugOptsNobodyOut()
    {
        await LeaveAsync("@b.ann:test.example.org", "$b-left");

        Store.Members.FindById("a/group/club#ann")!.OptedOut.Should().BeFalse("b/ann is not the club's ann");
    }

    [Fact]
    public async Task LeaveOfTheMemberOptsThemOut()
    {
        await LeaveAsync("@a.ann:test.example.org", "$a-left");

        Store.Members.FindById("a/group/club#ann")!.OptedOut.Should().BeTrue();
    }

    private async Task LeaveAsync(string userId, string eventId)
    {
        var events = new JsonArray(new JsonObject
        {
            ["type"] = "m.room.member", ["room_id"] = Room, ["sender"] = userId, ["state_key"] = userId, ["event_id"] = eventId,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["content"] = new JsonObject { ["membership"] = "leave" },
        });
        (await service.Private().PutAsync($"/_matrix/app/v1/transactions/{eventId[1..]}", Json.Body(new JsonObject { ["events"] = events }.ToJsonString())))
            .StatusCode.Should().Be(HttpStatusCode.OK);

        var status = service.Private(TestService.InternalToken);
        for (var i = 0; i < 200 && !(await status.GetStringAsync("/internal/status")).Contains(eventId, StringComparison.Ordinal); i++)
        {
            await Task.Delay(25);
        }

        (await status.GetStringAsync("/internal/status")).Should().Contain(eventId, "the event was dispatched");
    }
}
