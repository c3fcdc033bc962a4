using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OpenMeet.Bench.Load;

/// <summary>
/// Builds transaction bodies as Synapse pushes them: <c>{"events":[...]}</c> of m.room.message events
/// (room format v4+ event ids, a text body with HTML in about one event of three, unsigned.age),
/// each of roughly 300-500 bytes. A ring of bodies is built up front; each <see cref="Next"/> takes
/// the next one and writes new event ids into it, so no transaction repeats another and building
/// a body costs microseconds, not the load generator's time. Use a body before asking for the next.
/// </summary>
internal sealed class EventFactory
{
    private const int Ring = 64;
    private const int IdLength = 43;
    private static readonly byte[] IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8.ToArray();

    private static readonly string[] Words =
    [
        "meeting", "tomorrow", "agenda", "slides", "the", "a", "we", "should", "review", "budget", "notes",
        "thanks", "everyone", "link", "calendar", "room", "invite", "please", "check", "draft", "before",
        "after", "lunch", "call", "update", "ticket", "deploy", "friday", "release", "question", "about",
        "event", "group", "members", "venue", "parking", "coffee", "ok", "sounds", "good", "see", "you",
    ];

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Synapse does not escape '<' and '>' in formatted bodies.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly Random random;
    private readonly string[] rooms;
    private readonly string[] senders;
    private readonly char[] text = new char[512];
    private readonly byte[][] bodies = new byte[Ring][];
    private readonly int[][] idOffsets = new int[Ring][];
    private readonly byte[] idBytes = new byte[IdLength];
    private long next;

    public EventFactory(string serverName, int seed, int events)
    {
        // A seeded generator: the same load for every server under test, not a secret.
#pragma warning disable CA5394
        random = new Random(seed);
#pragma warning restore CA5394
        rooms = [.. Enumerable.Range(0, 20).Select(_ => "!" + Letters(18) + ":" + serverName)];
        senders = [.. Enumerable.Range(0, 50).Select(i => $"@{Words[i % Words.Length]}{i}:{serverName}")];
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var b = 0; b < Ring; b++)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            var offsets = new int[events];
            writer.WriteStartObject();
            writer.WriteStartArray("events"u8);
            for (var i = 0; i < events; i++)
            {
                offsets[i] = WriteEvent(writer, now);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
            bodies[b] = buffer.WrittenSpan.ToArray();
            idOffsets[b] = offsets;
        }
    }

    /// <summary>Average size of one event in bytes, as sent.</summary>
    public double AverageEventBytes => bodies.Average(b => (double)b.Length) / idOffsets[0].Length;

    /// <summary>The body of the next transaction, with fresh event ids; valid until the next call.</summary>
    public ReadOnlyMemory<byte> Next()
    {
        var b = (int)(next++ % Ring);
        var body = bodies[b];
        foreach (var offset in idOffsets[b])
        {
            random.NextBytes(idBytes);
            var id = body.AsSpan(offset, IdLength);
            for (var i = 0; i < IdLength; i++)
            {
                id[i] = IdAlphabet[idBytes[i] & 63];
            }
        }

        return body;
    }

#pragma warning disable CA5394 // see the constructor
    /// <summary>Writes one event; returns where the 43 characters of its id (after the '$') are.</summary>
    private int WriteEvent(Utf8JsonWriter writer, long now)
    {
        var age = random.Next(5, 800);
        var html = random.Next(3) == 0;
        var length = Sentence(random.Next(html ? 30 : 50, html ? 100 : 180));
        var body = text.AsSpan(0, length);

        writer.WriteStartObject();
        writer.WriteString("type"u8, "m.room.message"u8);
        writer.WriteString("room_id"u8, rooms[random.Next(rooms.Length)]);
        writer.WriteString("sender"u8, senders[random.Next(senders.Length)]);
        writer.WriteStartObject("content"u8);
        writer.WriteString("msgtype"u8, "m.text"u8);
        writer.WriteString("body"u8, body);
        if (html)
        {
            writer.WriteString("format"u8, "org.matrix.custom.html"u8);
            writer.WriteString("formatted_body"u8, "<p><strong>" + body.ToString() + "</strong></p>");
        }

        writer.WriteEndObject();
        writer.WriteNumber("origin_server_ts"u8, now - age);
        writer.WriteStartObject("unsigned"u8);
        writer.WriteNumber("age"u8, age);
        writer.WriteEndObject();
        writer.WriteString("event_id"u8, "$" + new string('A', IdLength));
        writer.Flush();
        var offset = (int)writer.BytesCommitted - IdLength - 1;
        writer.WriteEndObject();
        return offset;
    }

    private int Sentence(int target)
    {
        var n = 0;
        while (n < target)
        {
            var word = Words[random.Next(Words.Length)];
            if (n > 0)
            {
                text[n++] = ' ';
            }

            word.AsSpan().CopyTo(text.AsSpan(n));
            n += word.Length;
        }

        text[0] = char.ToUpperInvariant(text[0]);
        text[n++] = '.';
        return n;
    }

    private string Letters(int n) => string.Create(n, random, static (span, r) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (char)('a' + r.Next(26));
        }
    });
#pragma warning restore CA5394
}
