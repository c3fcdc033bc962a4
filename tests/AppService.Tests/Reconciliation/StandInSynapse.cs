using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OpenMeet.AppService.Tests.Reconciliation;

/// <summary>
/// Synapse for the reconciler's tests: on loopback, rooms kept in memory, answers the client-server
/// and admin calls the reconciler makes and records each one ("PUT !room m.room.power_levels", "GET
/// !room state", "PUT account @ann:..."). A gate holds chosen requests ("create {name}" for a room being made) until a test opens it; a room
/// whose id starts with <c>!known</c> exists without being created (rooms of a store filled by hand).
/// Its <c>/_synapse/mas/</c> half is in StandInSynapse.Mas.cs.
/// </summary>
public sealed partial class StandInSynapse : IAsyncDisposable
{
    public const string Bot = "@openmeet-bot:test.example.org";
    private readonly Lock gate = new();
    private readonly Dictionary<string, Dictionary<(string Type, string Key), JsonObject>> rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> aliases = new(StringComparer.Ordinal);
    private WebApplication app = null!;
    private int created;

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>The last body of the admin API's PUT of each account.</summary>
    public ConcurrentDictionary<string, JsonObject> AdminAccounts { get; } = new(StringComparer.Ordinal);

    /// <summary>While set, every request is answered 503 (recorded as "down POST /path"), as a proxy answers for a Synapse that is away.</summary>
    public bool Down { get; set; }

    /// <summary>A request this matches (its recorded line) waits until the returned gate is opened.</summary>
    public Func<string, TaskCompletionSource?> Hold { get; set; } = _ => null;

    /// <summary>How long reading a room's state takes (Synapse's is not free).</summary>
    public TimeSpan StateReadDelay { get; set; }

    public string Url => app.Urls.Single();

    public static async Task<StandInSynapse> StartAsync()
    {
        var synapse = new StandInSynapse();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        synapse.app = builder.Build();
        synapse.Map(synapse.app);
        await synapse.app.StartAsync();
        return synapse;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();

    /// <summary>
    /// A service (not started) pointed at this Synapse, with an admin token, so accounts are provisioned;
    /// with <paramref name="authService"/>, its issuer is Synapse's auth service (<c>oidc.mode: matrix_auth_service</c>).
    /// </summary>
    public TestService Service(bool authService = false)
    {
        var service = new TestService(homeserverUrl: Url);
        File.WriteAllText(service.ConfigPath, File.ReadAllText(service.ConfigPath)
            .Replace("server_name: test.example.org", "server_name: test.example.org\n  admin_token: admin-token-0123456789", StringComparison.Ordinal));
        if (authService)
        {
            File.AppendAllText(service.ConfigPath, $"""

                oidc:
                  issuer: http://127.0.0.1:{service.PublicPort}/oidc
                  mode: {MatrixAuthServiceMode}
                  matrix_auth_service:
                    secret: {MasSecret}
                    admin_user: operator

                """);
        }

        return service;
    }

    public int Count(string prefix) => Calls.Count(c => c.StartsWith(prefix, StringComparison.Ordinal));

    public JsonObject? State(string roomId, string type, string key = "")
    {
        lock (gate)
        {
            return rooms.TryGetValue(roomId, out var room) && room.TryGetValue((type, key), out var content) ? (JsonObject)content.DeepClone() : null;
        }
    }

    private void Map(WebApplication synapse)
    {
        synapse.Use(async (context, next) =>
        {
            if (Down)
            {
                Calls.Enqueue($"down {context.Request.Method} {context.Request.Path}");
                context.Response.StatusCode = 503;
                await context.Response.WriteAsJsonAsync(new { errcode = "M_UNKNOWN", error = "down for the test" });
                return;
            }

            await next();
        });
        MapMas(synapse);
        synapse.MapPost("/_matrix/client/v3/register", () => Results.Json(new { user_id = Bot }));
        synapse.MapPost("/_matrix/client/v1/appservice/{id}/ping", async () =>
        {
            Calls.Enqueue("ping");
            await (Hold("ping")?.Task ?? Task.CompletedTask);
            return Results.Json(new { duration_ms = 1 });
        });
        synapse.MapPost("/_matrix/client/v3/createRoom", async (HttpRequest request) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body))!;
            await (Hold($"create {body["name"]}")?.Task ?? Task.CompletedTask);
            return Results.Json(new { room_id = Create(body) });
        });
        synapse.MapMethods("/_matrix/client/v3/rooms/{roomId}/{**rest}", ["GET", "PUT", "POST"], async (string roomId, string rest, HttpRequest request) =>
        {
            var parts = rest.Split('/');
            var body = request.Method == "GET" ? null : (JsonObject?)await JsonNode.ParseAsync(request.Body);
            return parts switch
            {
                ["state"] => await ReadStateAsync(roomId),
                ["state", var type, .. var key] => await Change(roomId, $"PUT {roomId} {type} {string.Join('/', key)}", room => room[(type, string.Join('/', key))] = body!),
                ["invite"] => await Change(roomId, $"invite {roomId} {body!["user_id"]}", room => room[("m.room.member", (string)body!["user_id"]!)] = Membership("invite")),
                ["kick"] => await Change(roomId, $"kick {roomId} {body!["user_id"]}", room => room[("m.room.member", (string)body!["user_id"]!)] = Membership("leave")),
                _ => Results.Json(new { }),
            };
        });
        synapse.MapPost("/_matrix/client/v3/join/{roomId}", (string roomId) => Change(roomId, $"join {roomId}", room => room[("m.room.member", Bot)] = Membership("join")));
        synapse.MapGet("/_matrix/client/v3/directory/room/{alias}", (string alias) =>
        {
            lock (gate)
            {
                return aliases.TryGetValue(alias, out var roomId) ? Results.Json(new { room_id = roomId }) : NotFound();
            }
        });
        synapse.MapPut("/_synapse/admin/v2/users/{user}", async (string user, HttpRequest request) =>
        {
            var line = $"PUT account {user}";
            Calls.Enqueue(line);
            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body))!;
            await (Hold(line)?.Task ?? Task.CompletedTask);
            AdminAccounts[user] = body;
            return Results.Json(new { });
        });
        synapse.MapGet("/_synapse/admin/v1/rooms/{roomId}", (string roomId) => Results.Json(new { room_id = roomId }));
        synapse.MapFallback(() => Results.Json(new { }));
    }

    private string Create(JsonObject request)
    {
        lock (gate)
        {
            var roomId = $"!made{++created}:test.example.org";
            var room = Room(roomId);
            foreach (var state in (request["initial_state"] as JsonArray ?? []).OfType<JsonObject>())
            {
                room[((string)state["type"]!, (string?)state["state_key"] ?? "")] = (JsonObject)state["content"]!.DeepClone();
            }

            // As Synapse does: the override's fields replace the defaults (here: none), the creator is not listed.
            room[("m.room.power_levels", "")] = request["power_level_content_override"]?.DeepClone().AsObject() ?? new JsonObject { ["users"] = new JsonObject() };
            foreach (var invitee in request["invite"] as JsonArray ?? [])
            {
                room[("m.room.member", (string)invitee!)] = Membership("invite");
            }
            if (request["name"] is JsonValue name)
            {
                room[("m.room.name", "")] = new JsonObject { ["name"] = name.DeepClone() };
            }

            if (request["topic"] is JsonValue topic)
            {
                room[("m.room.topic", "")] = new JsonObject { ["topic"] = topic.DeepClone() };
            }

            if (request["room_alias_name"] is JsonValue local)
            {
                var alias = $"#{local}:test.example.org";
                aliases[alias] = roomId;
                room[("m.room.canonical_alias", "")] = new JsonObject { ["alias"] = alias };
            }

            Calls.Enqueue($"create {roomId} invite {(request["invite"] as JsonArray)?.Count ?? 0}");
            return roomId;
        }
    }

    // Rooms not made here (their ids start with !known) exist with the bot in them and nothing else.
    private Dictionary<(string Type, string Key), JsonObject> Room(string roomId)
    {
        if (!rooms.TryGetValue(roomId, out var room))
        {
            rooms[roomId] = room = new() { [("m.room.member", Bot)] = Membership("join"), [("m.room.create", "")] = [] };
        }

        return room;
    }

    private async Task<IResult> ReadStateAsync(string roomId)
    {
        Calls.Enqueue($"GET {roomId} state");
        await Task.Delay(StateReadDelay);
        lock (gate)
        {
            if (!rooms.ContainsKey(roomId) && !roomId.StartsWith("!known", StringComparison.Ordinal))
            {
                return NotFound();
            }

            return Results.Text(new JsonArray([.. Room(roomId).Select(kv => (JsonNode)new JsonObject
            {
                ["type"] = kv.Key.Type,
                ["state_key"] = kv.Key.Key,
                ["sender"] = Bot,
                ["content"] = kv.Value.DeepClone(),
            })]).ToJsonString(), "application/json");
        }
    }

    private async Task<IResult> Change(string roomId, string line, Action<Dictionary<(string, string), JsonObject>> change)
    {
        Calls.Enqueue(line);
        await (Hold(line)?.Task ?? Task.CompletedTask);
        lock (gate)
        {
            change(Room(roomId));
        }

        return Results.Json(new { event_id = $"$e{Calls.Count}" });
    }

    private static JsonObject Membership(string membership) => new() { ["membership"] = membership };

    private static IResult NotFound() => Results.Json(new { errcode = "M_NOT_FOUND", error = "not here" }, statusCode: 404);
}
