using System.Text.Json;

namespace OpenMeet.AppService.Transactions;

/// <summary>
/// One event of a transaction. <see cref="Content"/> is parsed from the stored body when a consumer
/// first reads it, with the push path's depth limit, and is valid only during the consumer's call:
/// clone what must outlive it.
/// </summary>
public sealed class MatrixEvent(
    string txnId, string? eventId, string? roomId, string type, string? stateKey, string? sender, ReadOnlyMemory<byte> content, bool isEcho)
    : IDisposable
{
    private JsonDocument? document;

    public string TxnId { get; } = txnId;
    public string? EventId { get; } = eventId;
    public string? RoomId { get; } = roomId;
    public string Type { get; } = type;
    public string? StateKey { get; } = stateKey;
    public string? Sender { get; } = sender;
    public bool IsEcho { get; } = isEcho;
    public bool IsState => StateKey is not null;

    /// <summary>The event's content; an undefined element when it had none.</summary>
    public JsonElement Content => content.IsEmpty ? default
        : (document ??= JsonDocument.Parse(content, TransactionParser.DocumentOptions)).RootElement;

    public void Dispose() => document?.Dispose();
}
