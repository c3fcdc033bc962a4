using LiteDB;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Tests.Reconciliation;

/// <summary>A new account finds its DMs through an index, not by reading every DM of its tenant (issue 14).</summary>
public sealed class DmLookupTests
{
    [Fact]
    public void ThePersonsDmsAreFoundByAnIndexSeekNotAScanOfTheTenantsRooms()
    {
        using var db = new LiteDatabase(":memory:");
        var store = new Store(db);
        store.Rooms.InsertBulk(Enumerable.Range(0, 200).Select(i => new RoomDoc
        {
            Id = Names.DmKey("t1", $"p{i}", "zoe"), TenantId = "t1", Kind = RoomKind.Dm, DmUsers = [$"p{i}", "zoe"],
        }));

        var plan = store.DmsOf("p7").GetPlan().ToString();

        plan.Should().Contain($"\"name\":\"{Store.DmUsersIndex}\"").And.Contain("INDEX SEEK", "a seek, not a scan of the rooms");
        store.DmsOf("p7").ToList().Should().ContainSingle().Which.Id.Should().Be("t1/dm/p7/zoe");
        store.DmsOf("zoe").Count().Should().Be(200);
    }
}
