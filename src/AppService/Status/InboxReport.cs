namespace OpenMeet.AppService.Status;

public sealed record InboxReport(
    long Pending,
    long TransactionsStored,
    long TransactionsRepeated,
    long EventsStored,
    long EventsDispatched,
    long Echoes,
    long ConsumerErrors,
    string? LastTxnId,
    DateTimeOffset? LastTxnAt);
