using System.Text.Json;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Api;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Internal;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.Status;

namespace OpenMeet.AppService.OpenApi;

/// <summary>
/// One example of each request and answer body, as typed values: serialized as the service serializes
/// them, so an example cannot drift from its type's shape.
/// </summary>
public static class Examples
{
    private static readonly DateTime At = new(2025, 11, 3, 18, 30, 0, DateTimeKind.Utc);
    private const string RoomId = "!hVcPNhKqLeUVmXeJzR:openmeet.example";
    private const string Alias = "#openmeet_acme_event_launch-party:openmeet.example";

    private static readonly Dictionary<Type, object> ByType = new()
    {
        [typeof(TenantBody)] = new TenantBody("Acme Meetups", "acme.example"),
        [typeof(TenantReply)] = new TenantReply("acme", "Acme Meetups", "acme.example"),
        [typeof(UserBody)] = new UserBody("Alice Liddell", "alice@acme.example", "alice", null),
        [typeof(UserReply)] = new UserReply("acme", "alice", "Alice Liddell", "alice", "@alice:openmeet.example", false, null),
        [typeof(EntityBody)] = new EntityBody("Launch party", "public", "Doors open at 7"),
        [typeof(EntityReply)] = new EntityReply("acme", "event", "launch-party", "Launch party", "public", "Doors open at 7", Alias, false),
        [typeof(MemberBody)] = new MemberBody("host"),
        [typeof(MemberReply)] = new MemberReply("acme", "event", "launch-party", "alice", "host"),
        [typeof(RoomReport)] = new RoomReport(RoomId, Alias, "ready",
            new RoomView("Launch party", "Doors open at 7", Alias, "public", false,
                new Dictionary<string, int> { ["@openmeet-bot:openmeet.example"] = 100, ["@alice:openmeet.example"] = 100 },
                new Dictionary<string, string> { ["@alice:openmeet.example"] = "join" }),
            new RoomView("Launch party", "Doors open at 7", Alias, "public", false,
                new Dictionary<string, int> { ["@openmeet-bot:openmeet.example"] = 100, ["@alice:openmeet.example"] = 100 },
                new Dictionary<string, string> { ["@alice:openmeet.example"] = "join" }),
            [], At, null),
        [typeof(RoomRequest)] = new RoomRequest("event", "launch-party", "alice", "acme"),
        [typeof(RoomReply)] = new RoomReply(RoomId, Alias),
        [typeof(PermissionRequest)] = new PermissionRequest(RoomId, "bob", 50, "acme"),
        [typeof(PermissionReply)] = new PermissionReply(RoomId, "bob", 50),
        [typeof(DmRequest)] = new DmRequest("acme", ["alice", "bob"]),
        [typeof(ReconcileRequest)] = new ReconcileRequest("acme", "event", "launch-party", true),
        [typeof(ReconcileReply)] = new ReconcileReply(true, 1, 1,
            [new PlannedRoom("acme/event/launch-party", RoomId, ["set power level of @bob:openmeet.example to 50"], [])]),
        [typeof(ReconcileJobReport)] = Job(),
        [typeof(StatusReport)] = new StatusReport("0.1.0", At.AddHours(-2), 7200.5,
            new HomeserverPingResult(At, true, 12, null), At.AddMinutes(-1), "!mgmtRoomAbcdef:openmeet.example",
            new InboxReport(0, 0, 1520, 3, 4810, 4810, 1200, 0, 0, "1520", At.AddSeconds(-5), []),
            [new RecentEvent("1520", "$aBcD1234:openmeet.example", RoomId, "m.room.message", null, "@alice:openmeet.example", false, At.AddSeconds(-5))],
            [Job()]),
        [typeof(HandleCheck)] = new HandleCheck("john.doe", false, "john.doe is taken", ["john.doe2", "johndoe", "john.doe.acme"]),
        [typeof(ClaimRequest)] = new ClaimRequest("alice"),
        [typeof(CredentialsReply)] = new CredentialsReply("@alice:openmeet.example", "syt_YWxpY2U_abcdefghijklmnopqrst_0AbCdE", "OM1A2B3C4D5E6F",
            "https://matrix.openmeet.example", "syr_YWxpY2U_abcdefghijklmnopqrst_0FgHiJ", 300000),
    };

    /// <summary>The example of <paramref name="type"/> as JSON, or null when there is none.</summary>
    public static JsonNode? For(Type type) =>
        ByType.TryGetValue(type, out var value) ? JsonSerializer.SerializeToNode(value, AppJsonContext.Default.GetTypeInfo(type)!) : null;

    private static ReconcileJobReport Job() => new("r7f3a2c1", "acme", "running", 42, 17, 0, [], At, null);
}
