using System.Security.Cryptography;
using System.Text.Json;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// Checks a transaction body without building a document: well-formed JSON (else M_NOT_JSON), an
/// object whose <c>events</c> is an array of objects and whose other known lists are arrays (else
/// M_BAD_JSON). Also fingerprints the transaction by its event ids (see <see cref="Inbox"/>).
/// </summary>
public static class TransactionShape
{
    public enum Verdict { Ok, NotJson, BadJson }

    public readonly record struct Result(Verdict Verdict, int Events, string Fingerprint, string? Problem);

    private static readonly string[] OptionalLists =
        ["ephemeral", "de.sorunome.msc2409.ephemeral", "to_device", "de.sorunome.msc2409.to_device"];

    public static Result Check(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 128 });
        using var fingerprint = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                SkipRest(ref reader);
                return new(Verdict.BadJson, 0, "", "the body must be a JSON object");
            }

            var events = -1;
            string? problem = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isEvents = reader.ValueTextEquals("events"u8);
                var isList = !isEvents && IsOptionalList(ref reader);
                reader.Read();
                if (isEvents)
                {
                    events = ReadEvents(ref reader, body, ref problem, fingerprint);
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
                return new(Verdict.NotJson, 0, "", "trailing data after the JSON object");
            }

            if (problem is null && events < 0)
            {
                problem = "'events' is required";
            }

            return problem is null
                ? new(Verdict.Ok, events, Convert.ToHexStringLower(fingerprint.GetHashAndReset(), 0, 16), null)
                : new(Verdict.BadJson, 0, "", problem);
        }
        catch (JsonException e)
        {
            return new(Verdict.NotJson, 0, "", e.Message);
        }
    }

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

    // Counts the events and feeds each one's event_id (or, lacking one, its raw JSON) to the hash.
    private static int ReadEvents(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, ref string? problem, IncrementalHash fingerprint)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            problem ??= "'events' must be an array of events";
            reader.Skip();
            return 0;
        }

        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problem ??= "each entry of 'events' must be an object";
                reader.Skip();
                continue;
            }

            var start = reader.TokenStartIndex;
            var hasId = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("event_id"u8);
                reader.Read();
                if (isId && reader.TokenType == JsonTokenType.String)
                {
                    fingerprint.AppendData(reader.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan);
                    hasId = true;
                }
                else
                {
                    reader.Skip();
                }
            }

            if (!hasId)
            {
                fingerprint.AppendData(body[(int)start..(int)reader.BytesConsumed]);
            }

            fingerprint.AppendData("\n"u8);
        }

        return count;
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
