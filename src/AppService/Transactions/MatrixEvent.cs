using System.Text.Json;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// One event of a transaction. <see cref="Content"/> belongs to the transaction's parsed document and
/// is valid only during the consumer's call: clone what must outlive it.
/// </summary>
public sealed record MatrixEvent(
    string TxnId,
    string? EventId,
    string? RoomId,
    string Type,
    string? StateKey,
    string? Sender,
    JsonElement Content,
    bool IsEcho)
{
    public bool IsState => StateKey is not null;
}
