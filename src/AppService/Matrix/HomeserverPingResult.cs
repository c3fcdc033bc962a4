namespace OpenMeet.AppService.Matrix;

/// <summary>The outcome of our ping of Synapse (which pings us back): ok with its round trip, or why not.</summary>
public sealed record HomeserverPingResult(DateTimeOffset At, bool Ok, long? DurationMs, string? Error);
