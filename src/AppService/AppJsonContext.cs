using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Status;

namespace OpenMeet.AppService;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MatrixError))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(StatusReport))]
internal sealed partial class AppJsonContext : JsonSerializerContext;
