namespace OpenMeet.AppService.AdminBot;

/// <summary>A command that cannot run as typed; the message says what was expected.</summary>
public sealed class CommandException(string message) : Exception(message);
