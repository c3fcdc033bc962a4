namespace OpenMeet.AppService.OpenApi;

/// <summary>The error codes a route (or a whole group) can answer: read by <see cref="OperationDocs"/>.</summary>
public sealed record ErrorCodeMetadata(IReadOnlyList<string> Codes);
