using System.Text.Json;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// Checks a transaction body without building a document: well-formed JSON (else M_NOT_JSON), an
/// object whose <c>events</c> is an array of objects and whose other known lists are arrays (else
/// M_BAD_JSON). Returns the number of events.
/// </summary>
public static class TransactionShape
{
    public enum Verdict { Ok, NotJson, BadJson }

    private static readonly string[] OptionalLists =
        ["ephemeral", "de.sorunome.msc2409.ephemeral", "to_device", "de.sorunome.msc2409.to_device"];

    public static (Verdict Verdict, int Events, string? Problem) Check(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 128 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return SkipRest(ref reader, "the body must be a JSON object");
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
                    events = CountObjects(ref reader, ref problem, "events");
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
                return (Verdict.NotJson, 0, "trailing data after the JSON object");
            }

            if (problem is null && events < 0)
            {
                problem = "'events' is required";
            }

            return problem is null ? (Verdict.Ok, events, null) : (Verdict.BadJson, 0, problem);
        }
        catch (JsonException e)
        {
            return (Verdict.NotJson, 0, e.Message);
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

    private static int CountObjects(ref Utf8JsonReader reader, ref string? problem, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            problem ??= $"'{name}' must be an array of events";
            reader.Skip();
            return 0;
        }

        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problem ??= $"each entry of '{name}' must be an object";
            }

            reader.Skip();
            count++;
        }

        return count;
    }

    // A body that is not an object is still checked for well-formedness, so that the errcode says which.
    private static (Verdict, int, string?) SkipRest(ref Utf8JsonReader reader, string problem)
    {
        reader.Skip();
        while (reader.Read())
        {
            reader.Skip();
        }

        return (Verdict.BadJson, 0, problem);
    }
}
