namespace OpenMeet.AppService.AdminBot;

/// <summary>A message or reaction in the management room, copied out of its transaction.</summary>
public sealed record Incoming(string EventId, string Sender, string Type, string? Body, string? RelatesTo, string? Key);
