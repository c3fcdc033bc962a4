namespace OpenMeet.AppService.AdminBot;

/// <summary>One command: how it is typed, what it does, and what runs it.</summary>
public sealed record CommandSpec(
    string Name,
    string Usage,
    string Summary,
    int MinArgs,
    int MaxArgs,
    IReadOnlyList<string> Flags,
    Func<CommandLine, string, CancellationToken, Task<Reply>> Run);
