using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OpenMeet.AppService.Hosting;

public static class JsonBody
{
    /// <summary>The request body as <typeparamref name="T"/>, or the JSON error to answer with.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
            return value is null ? (null, Invalid("body", "expected a JSON object")) : (value, null);
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path}";
            return (null, Errors.Api(400, "invalid_json", $"The body is not the JSON expected{where}: {e.Message.Split(" Path:")[0]}"));
        }
    }

    public static IResult Invalid(string field, string expected) =>
        Errors.Api(400, "invalid_request", $"{field}: {expected}");
}
