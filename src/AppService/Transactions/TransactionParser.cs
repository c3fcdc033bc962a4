using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// The one parse of a transaction body, with <see cref="Utf8JsonReader"/> and no document: well-formed
/// JSON (else M_NOT_JSON), an object whose <c>events</c> is an array of objects and whose other known
/// lists are arrays (else M_BAD_JSON). Each event is located and its routing fields read; an event
/// that cannot be read (nested deeper than <see cref="MaxDepth"/>, a field of the wrong type) is marked
/// for quarantine instead of refusing the transaction: Synapse would resend a refused transaction
/// forever and deliver nothing after it. The transaction's dedupe key is a hash of its txnId and its
/// event ids (see <see cref="Inbox"/>).
/// </summary>
public static class TransactionParser
{
    /// <summary>
    /// How deep an event may nest, the one depth limit of the push path: the intake checks it, and the
    /// dispatcher and the consumers parse content with it. Synapse accepts content nested 124 deep.
    /// </summary>
    public const int MaxDepth = 256;

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    public enum Verdict { Ok, NotJson, BadJson }

    public sealed record Result(Verdict Verdict, UInt128 Key, IReadOnlyList<EventSlice> Events, string? Problem);

    private static readonly string[] OptionalLists =
        ["ephemeral", "de.sorunome.msc2409.ephemeral", "to_device", "de.sorunome.msc2409.to_device"];

    private static readonly string[] FieldNames = ["", "event_id", "room_id", "type", "state_key", "sender"];

    private static readonly Result Empty = new(Verdict.Ok, default, [], null);

    public static Result Parse(string txnId, ReadOnlySpan<byte> body)
    {
        // No reader depth limit: a too deep event is quarantined by its own depth, not thrown over.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = int.MaxValue });
        var key = new KeyBuilder(txnId);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                SkipRest(ref reader);
                return Refused(Verdict.BadJson, "the body must be a JSON object");
            }

            List<EventSlice>? events = null;
            string? problem = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isEvents = reader.ValueTextEquals("events"u8);
                var isList = !isEvents && IsOptionalList(ref reader);
                reader.Read();
                if (isEvents)
                {
                    events = ReadEvents(ref reader, body, ref problem, ref key);
                }
                else if (isList && reader.TokenType != JsonTokenType.StartArray)
                {
                    problem ??= "optional lists (ephemeral, to_device) must be arrays";
                    reader.Skip();
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                return Refused(Verdict.NotJson, "trailing data after the JSON object");
            }

            if (problem is null && events is null)
            {
                problem = "'events' is required";
            }

            return problem is null
                ? Empty with { Key = key.Hash(), Events = events! }
                : Refused(Verdict.BadJson, problem);
        }
        catch (JsonException e)
        {
            return Refused(Verdict.NotJson, e.Message);
        }
        finally
        {
            key.Dispose();
        }
    }

    private static Result Refused(Verdict verdict, string problem) => Empty with { Verdict = verdict, Problem = problem };


    private static bool IsOptionalList(ref Utf8JsonReader reader)
    {
        foreach (var name in OptionalLists)
        {
            if (reader.ValueTextEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    // Locates each event and feeds its event_id (or, lacking one, its raw JSON) to the key.
    private static List<EventSlice>? ReadEvents(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, ref string? problem, ref KeyBuilder key)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            problem ??= "'events' must be an array of events";
            reader.Skip();
            return null;
        }

        var events = new List<EventSlice>(16);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problem ??= "each entry of 'events' must be an object";
                reader.Skip();
                continue;
            }

            var e = ReadEvent(ref reader, body);
            key.Add(e.EventId.Length > 0 ? e.EventId.Raw(body) : body.Slice(e.Start, e.Length));
            events.Add(e);
        }

        return events;
    }

    private static EventSlice ReadEvent(ref Utf8JsonReader reader, ReadOnlySpan<byte> body)
    {
        var start = (int)reader.TokenStartIndex;
        var depth = reader.CurrentDepth;
        Span<JsonText> fields = stackalloc JsonText[6];
        string? problem = null;
        int contentStart = 0, contentLength = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("event_id"u8) ? 1
                : reader.ValueTextEquals("room_id"u8) ? 2
                : reader.ValueTextEquals("type"u8) ? 3
                : reader.ValueTextEquals("state_key"u8) ? 4
                : reader.ValueTextEquals("sender"u8) ? 5
                : reader.ValueTextEquals("content"u8) ? 6
                : 0;
            reader.Read();
            if (field is >= 1 and <= 5)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    problem ??= $"'{FieldNames[field]}' is not a string";
                    SkipValue(ref reader, depth, ref problem);
                    continue;
                }

                // The token with its quotes: read into a string by the dispatcher, off the acknowledgement path.
                fields[field] = new JsonText((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2, reader.ValueIsEscaped);
            }
            else if (field == 6)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    problem ??= "'content' is not an object";
                }

                contentStart = (int)reader.TokenStartIndex;
                SkipValue(ref reader, depth, ref problem);
                contentLength = (int)reader.BytesConsumed - contentStart;
            }
            else
            {
                SkipValue(ref reader, depth, ref problem);
            }
        }

        if (fields[3].Length == 0)
        {
            problem ??= "no 'type'";
        }

        var length = (int)reader.BytesConsumed - start;
        return new EventSlice(start, length, fields[1], fields[2], fields[3], fields[4], fields[5], contentStart, contentLength, problem);
    }

    // Skips one value, noting when it nests deeper than MaxDepth counted from the event's own level.
    private static void SkipValue(ref Utf8JsonReader reader, int eventDepth, ref string? problem)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        var depth = reader.CurrentDepth;
        var deepest = depth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth > deepest)
            {
                deepest = reader.CurrentDepth;
            }
        }

        if (deepest - eventDepth + 1 > MaxDepth)
        {
            problem ??= $"nested deeper than {MaxDepth} levels";
        }
    }

    // A body that is not an object is still read to the end, so that bad JSON is told apart.
    private static void SkipRest(ref Utf8JsonReader reader)
    {
        reader.Skip();
        while (reader.Read())
        {
            reader.Skip();
        }
    }
}

/// <summary>
/// One event of a transaction body, as the intake's parse found it: where it is, where the fields the
/// dispatcher routes by are, and why it cannot be read (then it is quarantined, not dispatched).
/// </summary>
public readonly record struct EventSlice(
    int Start, int Length, JsonText EventId, JsonText RoomId, JsonText Type, JsonText StateKey, JsonText Sender,
    int ContentStart, int ContentLength, string? Problem);

/// <summary>A JSON string token in a body, quotes included; <see cref="Length"/> 0 when absent.</summary>
public readonly record struct JsonText(int Start, int Length, bool Escaped)
{
    public string? Read(ReadOnlySpan<byte> body)
    {
        if (Length == 0)
        {
            return null;
        }

        if (!Escaped)
        {
            return Encoding.UTF8.GetString(body.Slice(Start + 1, Length - 2));
        }

        var reader = new Utf8JsonReader(body.Slice(Start, Length));
        reader.Read();
        return reader.GetString();
    }

    /// <summary>The value's bytes as they stand in the body (escapes not undone).</summary>
    public ReadOnlySpan<byte> Raw(ReadOnlySpan<byte> body) => body.Slice(Start + 1, Length - 2);
}

/// <summary>The dedupe key: SHA-256 over the txnId and each event's id (or whole JSON), in one call.</summary>
internal struct KeyBuilder : IDisposable
{
    private byte[] buffer;
    private int length;

    public KeyBuilder(string txnId)
    {
        buffer = ArrayPool<byte>.Shared.Rent(8192);
        length = 0;
        Add(Encoding.UTF8.GetBytes(txnId));
    }

    public void Add(ReadOnlySpan<byte> part)
    {
        if (length + part.Length + 1 > buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, length + part.Length + 1));
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }

        part.CopyTo(buffer.AsSpan(length));
        buffer[length + part.Length] = (byte)'\n';
        length += part.Length + 1;
    }

    public readonly UInt128 Hash()
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(buffer.AsSpan(0, length), digest);
        return BitConverter.ToUInt128(digest);
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
}
