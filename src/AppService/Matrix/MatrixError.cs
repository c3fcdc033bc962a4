using System.Text.Json.Serialization;

namespace OpenMeet.AppService.Matrix;

/// <summary>The Matrix error body: <c>{"errcode": "M_…", "error": "…"}</c>.</summary>
public sealed record MatrixError(
    [property: JsonPropertyName("errcode")] string ErrCode,
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("retry_after_ms"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RetryAfterMs = null);
