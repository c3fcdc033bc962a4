namespace OpenMeet.AppService.Handles;

/// <summary>The answer to "may I have this handle?": <c>GET /api/handles/check</c>'s body.</summary>
public sealed record HandleCheck(string Handle, bool Available, string? Reason, IReadOnlyList<string> Suggestions);
