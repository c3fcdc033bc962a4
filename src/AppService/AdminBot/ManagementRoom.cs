using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LiteDB;
using OpenMeet.AppService.Audit;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.State;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.AdminBot;

/// <summary>
/// The bot in its management room: finds or creates the room, says it is back, then answers commands
/// of configured admins (as m.notice, HTML and plain text, with a ✅/❌ reaction on the command), and
/// says when Synapse was unreachable once it answers again.
/// A command handed over again after a crash gets the same answer, not a second one: the answer's
/// transaction id comes from the command's event id, and Synapse returns the event it sent for it.
/// </summary>
public sealed partial class ManagementRoom(
    ManagementRoomEvents events,
    BotCommands commands,
    Admins admins,
    MatrixClient matrix,
    HomeserverPing ping,
    SynapseReachability synapse,
    RecentErrors errors,
    Supervisor supervisor,
    Store store,
    AuditLog audit,
    LiteDatabase db,
    AppConfig config,
    ILogger<ManagementRoom> logger) : BackgroundService
{
    private const string SettingKey = ManagementRoomEvents.SettingKey;
    private const int MaxNoticeChars = 12_000;
    private static readonly TimeSpan ConfirmWindow = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, (string Admin, Func<CancellationToken, Task<Reply>> Run, DateTime Until)> questions = new(StringComparer.Ordinal);
    private readonly Channel<SynapseOutage> outages = Channel.CreateBounded<SynapseOutage>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest });

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        synapse.Recovered += outage => outages.Writer.TryWrite(outage);
        return supervisor.RunAsync("The management room", RunAsync, stoppingToken);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (ping.LastSuccess is null)
        {
            await Task.Delay(500, stoppingToken);
        }

        string roomId;
        while (true)
        {
            try
            {
                roomId = await EnsureRoomAsync(stoppingToken);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Synapse down or slow, an alias that does not resolve yet: try again, never give up.
                LogRoomProblem(e.Message);
                await Task.Delay(TimeSpan.FromSeconds(10), stoppingToken);
            }
        }

        events.RoomId = roomId;
        await Task.WhenAll(
            supervisor.RunAsync("The management room's commands", ct => AnswerAsync(roomId, ct), stoppingToken),
            supervisor.RunAsync("The audit trail's pruning", PruneAuditAsync, stoppingToken),
            supervisor.RunAsync("The outage notices", ct => ReportOutagesAsync(roomId, ct), stoppingToken));
    }

    private async Task ReportOutagesAsync(string roomId, CancellationToken ct)
    {
        await foreach (var outage in outages.Reader.ReadAllAsync(ct))
        {
            var failing = store.Rooms.Count(r => r.Status == RoomStatus.Failed);
            var text = string.Create(CultureInfo.InvariantCulture,
                $"Synapse was unreachable from {outage.From:yyyy-MM-dd HH:mm:ss} to {outage.To:HH:mm:ss} UTC ({outage.Duration.TotalSeconds:0} s). "
                + $"Reconciling resumed; {failing} room(s) marked failing meanwhile are being retried now.");
            audit.Record("bot", "synapse outage", $"{outage.From:o}/{outage.To:o}", "ok", text);
            await NoticeAsync(roomId, Reply.Failure(text), null, ct, $"outage/{outage.From.UtcTicks}");
        }
    }

    private async Task PruneAuditAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(6));
        do
        {
            audit.Prune(TimeSpan.FromDays(config.AdminBot.AuditDays));
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    private async Task AnswerAsync(string roomId, CancellationToken stoppingToken)
    {
        await NoticeAsync(roomId, Reply.Success(
            $"OpenMeet AppService {ServiceInfo.Version} is back: {store.Tenants.Count()} tenants, {store.Rooms.Count()} rooms, "
            + $"{store.Users.Count()} people. Type 'help' for commands."), null, stoppingToken);

        // What a crash left unanswered first, then what comes; each once (it may be in both).
        foreach (var incoming in events.Unanswered())
        {
            await AnswerOnceAsync(roomId, incoming, stoppingToken);
        }

        await foreach (var incoming in events.Reader.ReadAllAsync(stoppingToken))
        {
            await AnswerOnceAsync(roomId, incoming, stoppingToken);
        }
    }

    private async Task AnswerOnceAsync(string roomId, Incoming incoming, CancellationToken stoppingToken)
    {
        if (!events.IsUnanswered(incoming.EventId))
        {
            return;
        }

        try
        {
            await HandleAsync(roomId, incoming, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogCommandFailed(e, incoming.EventId);
            errors.Occurred();
        }

        events.Answered(incoming.EventId);
    }

    private async Task<string> EnsureRoomAsync(CancellationToken ct)
    {
        var configured = config.AdminBot.ManagementRoom;
        var settings = db.GetCollection("settings");
        string roomId;
        if (configured.Length > 0)
        {
            roomId = configured.StartsWith('#') ? await matrix.ResolveAliasAsync(configured, ct) ?? throw new InvalidOperationException($"admin_bot.management_room: no room has the alias {configured}") : configured;
            await matrix.JoinAsync(roomId, ct);
        }
        else if (settings.FindById(SettingKey)?["value"].AsString is { Length: > 0 } remembered)
        {
            roomId = remembered;
            await matrix.JoinAsync(roomId, ct);
        }
        else
        {
            roomId = await matrix.CreateRoomAsync(new JsonObject
            {
                ["room_version"] = "12",
                ["preset"] = "private_chat",
                ["name"] = "OpenMeet AppService",
                ["topic"] = "Management room of the OpenMeet AppService: type help",
                ["invite"] = new JsonArray([.. admins.People.Select(a => JsonValue.Create(a))]),
                ["power_level_content_override"] = new JsonObject
                {
                    ["users"] = new JsonObject(admins.People.Select(a => KeyValuePair.Create(a, (JsonNode?)JsonValue.Create(100)))),
                },
            }, ct);
            settings.Upsert(new BsonDocument { ["_id"] = SettingKey, ["value"] = roomId });
            audit.Record("bot", "create management room", roomId, "ok");
            LogCreated(roomId);
        }

        return roomId;
    }

    private async Task HandleAsync(string roomId, Incoming incoming, CancellationToken ct)
    {
        if (incoming.Type == "m.reaction")
        {
            await ConfirmAsync(roomId, incoming, ct);
            return;
        }

        if (incoming.Body is null || CommandLine.Extract(incoming.Body, commands.All.Select(c => c.Name)) is not { } text)
        {
            return;
        }

        if (!admins.Contains(incoming.Sender))
        {
            audit.Record(incoming.Sender, "command", text, "refused", "not an admin");
            await NoticeAsync(roomId, Reply.Failure($"{incoming.Sender}: only this service's admins can give it commands."), incoming.EventId, ct, incoming.EventId);
            await ReactAsync(roomId, incoming.EventId, "❌", ct);
            return;
        }

        Reply reply;
        try
        {
            reply = await commands.RunAsync(CommandLine.Parse(text), incoming.Sender, ct);
        }
        catch (CommandException e)
        {
            reply = Reply.Failure($"Cannot read that command: {e.Message}.");
        }

        LogCommand(incoming.Sender, text, reply.Ok);
        var noticeId = await NoticeAsync(roomId, reply, incoming.EventId, ct, incoming.EventId);
        await ReactAsync(roomId, incoming.EventId, reply.Ok ? "✅" : "❌", ct);
        if (reply.OnConfirm is { } run)
        {
            questions[noticeId] = (incoming.Sender, run, DateTime.UtcNow + ConfirmWindow);
        }

        Follow(roomId, noticeId, reply, incoming.EventId, ct);
    }

    private async Task ConfirmAsync(string roomId, Incoming reaction, CancellationToken ct)
    {
        if (reaction.RelatesTo is null || reaction.Key?.StartsWith('✅') != true
            || !questions.TryGetValue(reaction.RelatesTo, out var question) || question.Admin != reaction.Sender)
        {
            return;
        }

        questions.TryRemove(reaction.RelatesTo, out _);
        if (DateTime.UtcNow > question.Until)
        {
            await NoticeAsync(roomId, Reply.Failure("That question has expired; give the command again."), reaction.RelatesTo, ct, reaction.EventId);
            return;
        }

        var result = await question.Run(ct);
        var noticeId = await NoticeAsync(roomId, result, reaction.RelatesTo, ct, reaction.EventId);
        Follow(roomId, noticeId, result, reaction.EventId, ct);
    }

    // A reply to work still going on is edited in place as it goes, in the background: the room keeps
    // answering other commands meanwhile. A failed edit is logged; the work itself goes on.
    private void Follow(string roomId, string noticeId, Reply reply, string answering, CancellationToken ct)
    {
        if (reply.Updates is not { } updates)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var edit = 0;
                await foreach (var next in updates(ct))
                {
                    await EditAsync(roomId, noticeId, next, TxnId($"edit/{edit++}", answering), ct);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogCommandFailed(e, answering);
            }
        }, CancellationToken.None);
    }

    private Task<string> EditAsync(string roomId, string noticeId, Reply reply, string txnId, CancellationToken ct)
    {
        var (text, html) = reply.Text.Length <= MaxNoticeChars ? (reply.Text, reply.Html) : (reply.Text[..MaxNoticeChars], Reply.Encode(reply.Text[..MaxNoticeChars]));
        return matrix.SendEventAsync(roomId, "m.room.message", new JsonObject
        {
            ["msgtype"] = "m.notice",
            ["body"] = $"* {text}",
            ["format"] = "org.matrix.custom.html",
            ["formatted_body"] = $"* {html}",
            ["m.new_content"] = new JsonObject
            {
                ["msgtype"] = "m.notice",
                ["body"] = text,
                ["format"] = "org.matrix.custom.html",
                ["formatted_body"] = html,
            },
            ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.replace", ["event_id"] = noticeId },
        }, ct, txnId);
    }

    /// <summary>
    /// Sends a reply as m.notice (long ones in parts) and returns the id of the first part. With
    /// <paramref name="answering"/> (what it answers: an event id), each part's transaction id comes
    /// from it, so answering the same thing again sends nothing new.
    /// </summary>
    private async Task<string> NoticeAsync(string roomId, Reply reply, string? inReplyTo, CancellationToken ct, string? answering = null)
    {
        var parts = reply.Text.Length <= MaxNoticeChars
            ? [(reply.Text, reply.Html)]
            : Chunks(reply.Text).Select(t => (t, Reply.Encode(t))).ToList();
        string? first = null;
        for (var part = 0; part < parts.Count; part++)
        {
            var (text, html) = parts[part];
            var content = new JsonObject
            {
                ["msgtype"] = "m.notice",
                ["body"] = text,
                ["format"] = "org.matrix.custom.html",
                ["formatted_body"] = html,
            };
            if (inReplyTo is not null)
            {
                content["m.relates_to"] = new JsonObject { ["m.in_reply_to"] = new JsonObject { ["event_id"] = inReplyTo } };
            }

            var id = await matrix.SendEventAsync(roomId, "m.room.message", content, ct, answering is null ? null : TxnId($"notice/{part}", answering));
            first ??= id;
        }

        return first!;
    }

    private static IEnumerable<string> Chunks(string text)
    {
        var lines = text.Split('\n');
        var chunk = new List<string>();
        var length = 0;
        foreach (var line in lines)
        {
            if (length + line.Length > MaxNoticeChars && chunk.Count > 0)
            {
                yield return string.Join('\n', chunk);
                chunk.Clear();
                length = 0;
            }

            chunk.Add(line.Length > MaxNoticeChars ? line[..MaxNoticeChars] : line);
            length += line.Length + 1;
        }

        if (chunk.Count > 0)
        {
            yield return string.Join('\n', chunk);
        }
    }

    private Task<string> ReactAsync(string roomId, string eventId, string key, CancellationToken ct) =>
        matrix.SendEventAsync(roomId, "m.reaction", new JsonObject
        {
            ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.annotation", ["event_id"] = eventId, ["key"] = key },
        }, ct, TxnId($"reaction/{key}", eventId));

    // Stable, and safe in a URL path whatever the event id holds.
    private static string TxnId(string what, string answering) =>
        "om-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{what}\n{answering}")), 0, 16);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the management room {RoomId}")]
    private partial void LogCreated(string roomId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The management room is not usable yet: {Reason}")]
    private partial void LogRoomProblem(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command from {Sender}: {Command} ({Ok})")]
    private partial void LogCommand(string sender, string command, bool ok);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering {MatrixEventId} in the management room failed")]
    private partial void LogCommandFailed(Exception exception, string matrixEventId);
}
