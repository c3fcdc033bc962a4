using System.Text.Json.Serialization;

namespace OpenMeet.AppService.Hosting;

public sealed record ApiError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("message")] string Message);
