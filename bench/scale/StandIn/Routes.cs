using System.Text.Json.Nodes;

namespace OpenMeet.Bench.Scale.StandIn;

/// <summary>
/// The client-server and admin calls the service makes (everything under src/AppService/Matrix/, the
/// handle check and the health check), answered at once from memory. Tokens are not checked.
/// </summary>
public static class Routes
{
    private const string Client = "/_matrix/client/v3";

    public static void MapStandIn(this WebApplication app, Homeserver hs)
    {
        app.MapGet("/_matrix/client/versions", () => Json(new() { ["versions"] = new JsonArray("v1.11", "v1.12") }));
        app.MapPost(Client + "/register", async (HttpRequest r) =>
        {
            var body = await Body(r);
            var userId = $"@{body["username"]}:{hs.ServerName}";
            return hs.AddAccount(userId) ? Json(new() { ["user_id"] = userId }) : Error(400, "M_USER_IN_USE");
        });
        app.MapPost("/_matrix/client/v1/appservice/{id}/ping", () => Json(new() { ["duration_ms"] = 1 }));
        app.MapGet(Client + "/account/whoami", () => Json(new() { ["user_id"] = hs.Bot }));
        app.MapPut(Client + "/profile/{userId}/displayname", () => Json([]));
        app.MapPost(Client + "/login", () => Error(403, "M_FORBIDDEN"));

        app.MapPost(Client + "/createRoom", async (HttpRequest r) =>
            hs.CreateRoom(await Body(r)) is ({ } id, _) ? Json(new() { ["room_id"] = id }) : Error(400, "M_ROOM_IN_USE"));
        app.MapGet(Client + "/rooms/{roomId}/state", (string roomId) =>
            hs.StateJson(roomId) is { } json ? Results.Text(json, "application/json") : Error(403, "M_FORBIDDEN"));
        app.MapPut(Client + "/rooms/{roomId}/state/{type}/{*stateKey}", async (string roomId, string type, string? stateKey, HttpRequest r) =>
        {
            var content = await Body(r);
            return Answer(hs.Change(roomId, room =>
            {
                hs.Set(room, type, stateKey ?? "", content);
                return (200, null);
            }), new() { ["event_id"] = $"$ev{hs.NextEventSeq()}" });
        });
        app.MapPost(Client + "/rooms/{roomId}/invite", async (string roomId, HttpRequest r) =>
        {
            var user = (await Body(r))["user_id"]!.GetValue<string>();
            return Answer(hs.Change(roomId, room =>
            {
                if (room.Membership(user) is "join" or "ban")
                {
                    return (403, "M_FORBIDDEN");
                }

                hs.Set(room, "m.room.member", user, new() { ["membership"] = "invite" });
                return (200, null);
            }));
        });
        app.MapPost(Client + "/rooms/{roomId}/kick", async (string roomId, HttpRequest r) =>
        {
            var body = await Body(r);
            var user = body["user_id"]!.GetValue<string>();
            return Answer(hs.Change(roomId, room =>
            {
                hs.Set(room, "m.room.member", user, new() { ["membership"] = "leave", ["reason"] = body["reason"]?.DeepClone() });
                return (200, null);
            }));
        });
        app.MapPost(Client + "/join/{roomIdOrAlias}", (string roomIdOrAlias) =>
        {
            var roomId = roomIdOrAlias.StartsWith('#') ? hs.ResolveAlias(roomIdOrAlias) ?? "" : roomIdOrAlias;
            return Answer(hs.Change(roomId, room =>
            {
                hs.Set(room, "m.room.member", hs.Bot, new() { ["membership"] = "join" });
                return (200, null);
            }), new() { ["room_id"] = roomId });
        });
        app.MapPut(Client + "/rooms/{roomId}/send/{type}/{txnId}", (string roomId) =>
            hs.RoomExists(roomId) ? Json(new() { ["event_id"] = $"$ev{hs.NextEventSeq()}" }) : Error(403, "M_FORBIDDEN"));

        app.MapGet(Client + "/directory/room/{alias}", (string alias) =>
            hs.ResolveAlias(alias) is { } id ? Json(new() { ["room_id"] = id, ["servers"] = new JsonArray(hs.ServerName) }) : Error(404, "M_NOT_FOUND"));
        app.MapPut(Client + "/directory/room/{alias}", async (string alias, HttpRequest r) =>
            hs.SetAlias(alias, (await Body(r))["room_id"]!.GetValue<string>()) ? Json([]) : Error(409, "M_UNKNOWN"));
        app.MapDelete(Client + "/directory/room/{alias}", (string alias) => hs.SetAlias(alias, null) ? Json([]) : Error(404, "M_NOT_FOUND"));

        app.MapGet("/_synapse/admin/v2/users/{userId}", (string userId) =>
            hs.HasAccount(userId) ? Json(new() { ["name"] = userId }) : Error(404, "M_NOT_FOUND"));
        app.MapPut("/_synapse/admin/v2/users/{userId}", (string userId) =>
            hs.AddAccount(userId) ? Results.Json(new JsonObject { ["name"] = userId }, statusCode: 201) : Json(new() { ["name"] = userId }));
        app.MapGet("/_synapse/admin/v2/users/{userId}/devices", () => Json(new() { ["devices"] = new JsonArray(), ["total"] = 0 }));
        app.MapPost("/_synapse/admin/v2/users/{userId}/delete_devices", () => Json([]));
        app.MapGet("/_synapse/admin/v1/rooms/{roomId}", (string roomId) =>
            hs.RoomExists(roomId) ? Json(new() { ["room_id"] = roomId }) : Error(404, "M_NOT_FOUND"));
        app.MapPost("/_synapse/admin/v1/join/{roomId}", async (string roomId, HttpRequest r) =>
        {
            var user = (await Body(r))["user_id"]!.GetValue<string>();
            return Answer(hs.Change(roomId, room =>
            {
                hs.Set(room, "m.room.member", user, new() { ["membership"] = "join" }, sender: user);
                return (200, null);
            }), new() { ["room_id"] = roomId });
        });
    }

    private static async Task<JsonObject> Body(HttpRequest request) =>
        await JsonNode.ParseAsync(request.Body) as JsonObject ?? [];

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json");

    private static IResult Error(int status, string errCode) =>
        Results.Text(new JsonObject { ["errcode"] = errCode, ["error"] = errCode }.ToJsonString(), "application/json", statusCode: status);

    private static IResult Answer((int Status, string? ErrCode) outcome, JsonObject? body = null) =>
        outcome.Status == 200 ? Json(body ?? []) : Error(outcome.Status, outcome.ErrCode!);
}
