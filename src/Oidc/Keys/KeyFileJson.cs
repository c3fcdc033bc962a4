using System.Text.Json.Serialization;

namespace OpenMeet.Oidc.Keys;

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(KeyFile))]
internal sealed partial class KeyFileJson : JsonSerializerContext;
