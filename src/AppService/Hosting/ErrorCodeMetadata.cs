namespace OpenMeet.AppService.Hosting;

/// <summary>The error codes a route (or a whole group) can answer: read by the API reference (OpenApi/OperationDocs).</summary>
public sealed record ErrorCodeMetadata(IReadOnlyList<string> Codes);
