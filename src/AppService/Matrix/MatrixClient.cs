using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenMeet.AppService.Configuration;

namespace OpenMeet.AppService.Matrix;

/// <summary>
/// The Matrix client-server calls the service makes, as the bot (the as_token). Errors become
/// <see cref="MatrixException"/>; a 429 is waited out; network failures and 5xx are retried only for
/// idempotent requests (GET, PUT, DELETE: Matrix PUTs are keyed by a transaction id; a POST whose caller
/// says it sets state, as <see cref="SynapseMas"/>'s do), unless Synapse
/// has been away for an outage's length (then a failure is final at once, and the reconcile workers
/// wait for Synapse). Every request tells <see cref="SynapseReachability"/> whether Synapse answered.
/// </summary>
public sealed partial class MatrixClient(HttpClient http, AppConfig config, ClientTxnIds txnIds, SynapseReachability synapse, SynapseMetrics metrics, ILogger<MatrixClient> logger)
{
    private const int MaxAttempts = 6;
    private static readonly TimeSpan MaxRateLimitWait = TimeSpan.FromMinutes(2);

    /// <summary>Pass as the authorization of a request that must carry no token (a login).</summary>
    public static readonly AuthenticationHeaderValue Anonymous = new("None");

    private readonly AuthenticationHeaderValue asToken = new("Bearer", config.Appservice.AsToken);

    public string BotUserId { get; } = config.BotUserId;

    public async Task<long> PingAsync(string transactionId, CancellationToken ct)
    {
        var reply = await SendAsync(HttpMethod.Post,
            $"_matrix/client/v1/appservice/{Uri.EscapeDataString(config.Appservice.Id)}/ping",
            new JsonObject { ["transaction_id"] = transactionId }, ct);
        return reply?["duration_ms"]?.GetValue<long>() ?? 0;
    }

    /// <summary>Registers the bot user; an account that exists already is fine.</summary>
    public async Task EnsureBotRegisteredAsync(CancellationToken ct)
    {
        try
        {
            await SendAsync(HttpMethod.Post, "_matrix/client/v3/register",
                new JsonObject { ["type"] = "m.login.application_service", ["username"] = config.Appservice.BotLocalpart, ["inhibit_login"] = true }, ct);
        }
        catch (MatrixException e) when (e.ErrCode == "M_USER_IN_USE")
        {
        }
    }

    public async Task<string> WhoAmIAsync(CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, "_matrix/client/v3/account/whoami", null, ct))!["user_id"]!.GetValue<string>();

    /// <summary>
    /// Gives the bot this display name unless it has it already: Synapse answers a change by sending a
    /// new membership event into every room the bot is in, thousands of them, so a start must not.
    /// </summary>
    /// <returns>Whether the name was changed.</returns>
    public async Task<bool> EnsureDisplayNameAsync(string displayName, CancellationToken ct)
    {
        var path = $"_matrix/client/v3/profile/{Uri.EscapeDataString(BotUserId)}/displayname";
        try
        {
            if ((await SendAsync(HttpMethod.Get, path, null, ct))?["displayname"] is JsonValue current && current.TryGetValue<string>(out var name) && name == displayName)
            {
                return false;
            }
        }
        catch (MatrixException e) when (e.Status == HttpStatusCode.NotFound)
        {
            // No name yet.
        }

        await SendAsync(HttpMethod.Put, path, new JsonObject { ["displayname"] = displayName }, ct);
        return true;
    }

    public async Task<string> CreateRoomAsync(JsonObject request, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Post, "_matrix/client/v3/createRoom", request, ct))!["room_id"]!.GetValue<string>();

    /// <summary>
    /// Sends a room event under a transaction id, so that a retry cannot send it twice: a fresh one, or
    /// <paramref name="txnId"/> when the event answers something that may be handled again (Synapse
    /// then returns the event it sent the first time; it remembers an appservice's transaction ids in
    /// memory for 30 to 60 minutes).
    /// </summary>
    public async Task<string> SendEventAsync(string roomId, string type, JsonObject content, CancellationToken ct, string? txnId = null) =>
        (await SendAsync(HttpMethod.Put,
            $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(txnId ?? txnIds.Next())}", content, ct))!
        ["event_id"]!.GetValue<string>();

    /// <summary>One unauthenticated <c>GET /_matrix/client/versions</c>, no retry: whether Synapse answers within <paramref name="timeout"/>.</summary>
    public async Task<bool> ProbeAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var message = new HttpRequestMessage(HttpMethod.Get, "_matrix/client/versions");
        var sent = synapse.Sending();
        var clock = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(message, cts.Token);
            metrics.Requested(message.Method, message.RequestUri, response.StatusCode, Stopwatch.GetElapsedTime(clock));
            return Outcome(response, sent);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            metrics.Requested(message.Method, message.RequestUri, null, Stopwatch.GetElapsedTime(clock));
            synapse.NotAnswered(sent);
            return false;
        }
        catch
        {
            synapse.Abandoned();
            throw;
        }
    }

    public async Task<JsonArray> GetStateAsync(string roomId, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state", null, ct))!.AsArray();

    public Task SetStateAsync(string roomId, string type, string stateKey, JsonObject content, CancellationToken ct) =>
        SendAsync(HttpMethod.Put,
            $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(stateKey)}",
            content, ct);

    public Task InviteAsync(string roomId, string userId, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/invite", new JsonObject { ["user_id"] = userId }, ct);

    public Task KickAsync(string roomId, string userId, string reason, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/kick",
            new JsonObject { ["user_id"] = userId, ["reason"] = reason }, ct);

    public Task JoinAsync(string roomIdOrAlias, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"_matrix/client/v3/join/{Uri.EscapeDataString(roomIdOrAlias)}", new JsonObject(), ct);

    /// <summary>The room an alias points at, or null when the alias does not exist.</summary>
    public async Task<string?> ResolveAliasAsync(string alias, CancellationToken ct)
    {
        try
        {
            return (await SendAsync(HttpMethod.Get, $"_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}", null, ct))?["room_id"]?.GetValue<string>();
        }
        catch (MatrixException e) when (e.ErrCode == "M_NOT_FOUND")
        {
            return null;
        }
    }

    public async Task DeleteAliasAsync(string alias, CancellationToken ct)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, $"_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}", null, ct);
        }
        catch (MatrixException e) when (e.ErrCode == "M_NOT_FOUND")
        {
        }
    }

    /// <param name="idempotent">Whether a failed attempt may be sent again; by default GET, PUT and DELETE
    /// are, POST is not. A POST that sets state (Synapse's <c>/_synapse/mas/</c> calls) says so here.</param>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct, AuthenticationHeaderValue? authorization = null, bool? idempotent = null)
    {
        var retriable = idempotent ?? (method == HttpMethod.Get || method == HttpMethod.Put || method == HttpMethod.Delete);
        var request = $"{method} /{path.Split('?')[0]}";
        for (var attempt = 1; ; attempt++)
        {
            using var message = new HttpRequestMessage(method, path);
            if (authorization != Anonymous)
            {
                message.Headers.Authorization = authorization ?? asToken;
            }

            if (body is not null)
            {
                message.Content = JsonContent.Create(body, AppJsonContext.Default.JsonNode);
            }

            HttpResponseMessage response;
            try
            {
                response = await SendOnceAsync(message, ct);
            }
            catch (HttpRequestException e) when (retriable && attempt < MaxAttempts && !synapse.Away)
            {
                LogRetry(request, attempt, e.Message);
                await Task.Delay(Backoff(attempt), ct);
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    // Synapse's 204 (delete_device) is declared with a JSON body that is never sent.
                    return response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0
                        ? null
                        : await response.Content.ReadFromJsonAsync(AppJsonContext.Default.JsonNode, ct);
                }

                var error = await ReadErrorAsync(response, ct);
                if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < MaxAttempts)
                {
                    var wait = RetryAfter(response, error);
                    LogRateLimited(request, wait.TotalMilliseconds);
                    await Task.Delay(wait, ct);
                    continue;
                }

                if ((int)response.StatusCode >= 500 && retriable && attempt < MaxAttempts)
                {
                    LogRetry(request, attempt, $"{(int)response.StatusCode} {error.ErrCode}");
                    await Task.Delay(Backoff(attempt), ct);
                    continue;
                }

                throw new MatrixException(response.StatusCode, error.ErrCode, error.Error, request);
            }
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage message, CancellationToken ct)
    {
        var sent = synapse.Sending();
        var clock = Stopwatch.GetTimestamp();
        try
        {
            var response = await http.SendAsync(message, ct);
            metrics.Requested(message.Method, message.RequestUri, response.StatusCode, Stopwatch.GetElapsedTime(clock));
            Outcome(response, sent);
            return response;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // Refused, reset, or HttpClient's own timeout (not ours): no answer.
            metrics.Requested(message.Method, message.RequestUri, null, Stopwatch.GetElapsedTime(clock));
            synapse.NotAnswered(sent);
            throw;
        }
        catch
        {
            synapse.Abandoned();
            throw;
        }
    }

    // A gateway's 502/503/504 means that Synapse behind it did not answer.
    private bool Outcome(HttpResponseMessage response, DateTimeOffset sent)
    {
        if (response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
        {
            synapse.NotAnswered(sent);
            return false;
        }

        synapse.Answered();
        return true;
    }

    private static async Task<MatrixError> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var error = await response.Content.ReadFromJsonAsync(AppJsonContext.Default.MatrixError, ct);
            if (error?.ErrCode is not null)
            {
                return error;
            }
        }
        catch (JsonException)
        {
        }

        return new MatrixError("M_UNKNOWN", response.ReasonPhrase ?? "no Matrix error in the response");
    }

    internal static TimeSpan RetryAfter(HttpResponseMessage response, MatrixError error)
    {
        TimeSpan wait;
        if (response.Headers.RetryAfter?.Delta is { } delta)
        {
            wait = delta;
        }
        else if (response.Headers.RetryAfter?.Date is { } date)
        {
            wait = date - DateTimeOffset.UtcNow;
        }
        else if (error.RetryAfterMs is { } ms)
        {
            wait = TimeSpan.FromMilliseconds(ms);
        }
        else
        {
            wait = TimeSpan.FromSeconds(1);
        }

        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRateLimitWait ? MaxRateLimitWait : wait;
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(200 * Math.Pow(2, attempt - 1), 10_000) * (0.8 + (Random.Shared.NextDouble() * 0.4)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Request} attempt {Attempt} failed ({Reason}); retrying")]
    private partial void LogRetry(string request, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Request} rate-limited by Synapse; waiting {WaitMs} ms")]
    private partial void LogRateLimited(string request, double waitMs);
}
