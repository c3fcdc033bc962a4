using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Status;

public sealed record InboxReport(
    long Pending,
    long PendingBytes,
    long TransactionsStored,
    long TransactionsRepeated,
    long EventsStored,
    long EventsDispatched,
    long Echoes,
    long ConsumerErrors,
    long EventsQuarantined,
    string? LastTxnId,
    DateTimeOffset? LastTxnAt,
    IReadOnlyList<QuarantinedEvent> Quarantined);
