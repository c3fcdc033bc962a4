using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OpenMeet.AppService.Tests.Reconciliation;

/// <summary>
/// Synapse's <c>/_synapse/mas/</c> API as Synapse 1.160 answers it (synapse/rest/synapse/mas/): the
/// shared secret as a Bearer token (none: 401 M_MISSING_TOKEN; another: 403), bodies checked as
/// strictly as its pydantic models do (a field of another type, or both set_ and unset_ of one: 400
/// M_BAD_JSON), 404 M_NOT_FOUND for an unknown localpart, 201 for a new account or device and 204 for a
/// deleted device. Each accepted call is recorded as "mas {call} {body}" ("mas query_user ann" for a GET).
/// </summary>
public sealed partial class StandInSynapse
{
    public const string MasSecret = "mas-secret-for-tests-0123456789abcdef";
    public const string MatrixAuthServiceMode = "matrix_auth_service";
    private readonly Dictionary<string, MasAccount> masAccounts = new(StringComparer.Ordinal);

    /// <summary>An account as the stand-in keeps it.</summary>
    public sealed record MasAccount(string? DisplayName, IReadOnlyList<string> Emails, bool Locked, bool Deactivated, IReadOnlyDictionary<string, string?> Devices);

    public MasAccount? Account(string localpart)
    {
        lock (gate)
        {
            return masAccounts.GetValueOrDefault(localpart);
        }
    }

    /// <summary>An account made outside the service (or forgotten by Synapse, with null).</summary>
    public void SetAccount(string localpart, MasAccount? account)
    {
        lock (gate)
        {
            if (account is null)
            {
                masAccounts.Remove(localpart);
            }
            else
            {
                masAccounts[localpart] = account;
            }
        }
    }

    private void MapMas(WebApplication synapse)
    {
        var mas = synapse.MapGroup("/_synapse/mas");
        mas.MapGet("/query_user", (HttpRequest r) => MasAsync(r, null, query => Known((string)query["localpart"]!, a => Results.Json(new
        {
            user_id = $"@{query["localpart"]}:test.example.org", display_name = a.DisplayName, avatar_url = (string?)null, is_suspended = false, is_deactivated = a.Deactivated,
        }))));
        mas.MapGet("/is_localpart_available", (HttpRequest r) => MasAsync(r, null, query =>
        {
            lock (gate)
            {
                // As Synapse: case-insensitive.
                return masAccounts.Keys.Any(k => string.Equals(k, (string)query["localpart"]!, StringComparison.OrdinalIgnoreCase))
                    ? Error(400, "M_USER_IN_USE", "User ID already taken.")
                    : Results.Json(new { });
            }
        }));
        mas.MapPost("/provision_user", async (HttpRequest r) => await MasAsync(r, await BodyAsync(r, ProvisionFields), body => Provision(body)));
        mas.MapPost("/delete_user", async (HttpRequest r) => await MasAsync(r, await BodyAsync(r, ["erase:bool!"]), body =>
            Change(body, a => a with { Deactivated = true, Devices = new Dictionary<string, string?>() })));
        mas.MapPost("/reactivate_user", async (HttpRequest r) => await MasAsync(r, await BodyAsync(r, []), body => Change(body, a => a with { Deactivated = false })));
        mas.MapPost("/allow_cross_signing_reset", async (HttpRequest r) => await MasAsync(r, await BodyAsync(r, []), body => Change(body, a => a)));
        mas.MapPost("/upsert_device", async (HttpRequest r) => await MasAsync(r, await BodyAsync(r, ["device_id:str!", "display_name:str"]), body =>
        {
            var id = (string)body["device_id"]!;
            var created = Account((string)body["localpart"]!) is { } a && !a.Devices.ContainsKey(id);
            var result = Change(body, a => a with { Devices = With(a.Devices, id, (string?)body["display_name"] ?? a.Devices.GetValueOrDefault(id)) });
            return created ? Results.Json(new { }, statusCode: 201) : result;
        }));
        mas.MapPost("/delete_device", async (HttpRequest r) => await MasAsync(r, await BodyAsync(r, ["device_id:str!"]), body =>
        {
            var result = Change(body, a => a with { Devices = a.Devices.Where(d => d.Key != (string)body["device_id"]!).ToDictionary() });
            return result is IStatusCodeHttpResult { StatusCode: 404 } ? result : Results.StatusCode(204);
        }));
        mas.MapPost("/update_device_display_name", async (HttpRequest r) => await MasAsync(r, await BodyAsync(r, ["device_id:str!", "display_name:str!"]), body =>
            Change(body, a => a with { Devices = With(a.Devices, (string)body["device_id"]!, (string)body["display_name"]!) })));
        mas.MapPost("/sync_devices", async (HttpRequest r) => await MasAsync(r, await BodyAsync(r, ["devices:list!"]), body => Change(body, a => a with
        {
            Devices = body["devices"]!.AsArray().Select(d => (string)d!).ToDictionary(d => d, d => a.Devices.GetValueOrDefault(d)),
        })));
    }

    private static readonly string[] ProvisionFields =
        ["set_displayname:str", "unset_displayname:bool", "set_avatar_url:str", "unset_avatar_url:bool", "set_emails:list", "unset_emails:bool", "locked:bool"];

    private IResult Provision(JsonObject body)
    {
        var localpart = (string)body["localpart"]!;
        var existing = Account(localpart);
        var account = existing ?? new MasAccount(localpart, [], false, false, new Dictionary<string, string?>());
        account = account with
        {
            DisplayName = body["unset_displayname"] is not null ? null : (string?)body["set_displayname"] ?? account.DisplayName,
            Emails = body["unset_emails"] is not null ? [] : body["set_emails"]?.AsArray().Select(e => (string)e!).ToList() ?? account.Emails,
            Locked = (bool?)body["locked"] ?? account.Locked,
        };
        SetAccount(localpart, account);
        return Results.Json(new { }, statusCode: existing is null ? 201 : 200);
    }

    private IResult Change(JsonObject body, Func<MasAccount, MasAccount> change)
    {
        var localpart = (string)body["localpart"]!;
        lock (gate)
        {
            if (!masAccounts.TryGetValue(localpart, out var account))
            {
                return Error(404, "M_NOT_FOUND", "User not found");
            }

            masAccounts[localpart] = change(account);
            return Results.Json(new { });
        }
    }

    private IResult Known(string localpart, Func<MasAccount, IResult> then) =>
        Account(localpart) is { } account ? then(account) : Error(404, "M_NOT_FOUND", "User not found");

    // The secret first, then the body (or the localpart query parameter); recorded only once both pass.
    private async Task<IResult> MasAsync(HttpRequest request, (JsonObject? Body, IResult? Refused)? posted, Func<JsonObject, IResult> handle)
    {
        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : request.Query["access_token"].ToString();
        if (token.Length == 0)
        {
            return Error(401, "M_MISSING_TOKEN", "Missing access token");
        }

        if (token != MasSecret)
        {
            return Error(403, "M_UNKNOWN", "This endpoint must only be called by MAS");
        }

        var call = request.Path.Value![(request.Path.Value!.LastIndexOf('/') + 1)..];
        if (posted is not { } p)
        {
            if (request.Query["localpart"].ToString() is not { Length: > 0 } localpart)
            {
                return Error(400, "M_MISSING_PARAM", "Missing string query parameter localpart");
            }

            Calls.Enqueue($"mas {call} {localpart}");
            return handle(new JsonObject { ["localpart"] = localpart });
        }

        if (p.Refused is { } refused)
        {
            return refused;
        }

        var line = $"mas {call} {p.Body!.ToJsonString()}";
        Calls.Enqueue(line);
        await (Hold(line)?.Task ?? Task.CompletedTask);
        return handle(p.Body);
    }

    // "name:type" with type str, bool or list (of strings), "!" when required; localpart (str!) always.
    private static async Task<(JsonObject?, IResult?)> BodyAsync(HttpRequest request, string[] fields)
    {
        JsonObject body;
        try
        {
            body = (await JsonNode.ParseAsync(request.Body))?.AsObject() ?? throw new JsonException("not an object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, Error(400, "M_NOT_JSON", "Content not JSON."));
        }

        foreach (var field in fields.Prepend("localpart:str!"))
        {
            var (name, type) = (field.Split(':')[0], field.Split(':')[1].TrimEnd('!'));
            var value = body[name];
            var ok = value switch
            {
                null => !field.EndsWith('!') && !body.ContainsKey(name),
                JsonValue v when type == "str" => v.GetValueKind() == JsonValueKind.String,
                JsonValue v when type == "bool" => v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
                JsonArray a when type == "list" => a.All(e => e?.GetValueKind() == JsonValueKind.String),
                _ => false,
            };
            if (!ok)
            {
                return (null, Error(400, "M_BAD_JSON", $"{name}: expected {type}"));
            }
        }

        foreach (var field in new[] { "displayname", "avatar_url", "emails" })
        {
            if (body.ContainsKey($"set_{field}") && body.ContainsKey($"unset_{field}"))
            {
                return (null, Error(400, "M_BAD_JSON", $"Cannot specify both unset_{field} and set_{field}"));
            }
        }

        return (body, null);
    }

    private static Dictionary<string, string?> With(IReadOnlyDictionary<string, string?> devices, string id, string? name) =>
        new(devices) { [id] = name };

    private static IResult Error(int status, string errcode, string error) => Results.Json(new { errcode, error }, statusCode: status);
}
