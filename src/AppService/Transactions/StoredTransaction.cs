namespace OpenMeet.AppService.Transactions;

/// <summary>A durable transaction on its way to the dispatcher, with the events its parse found.</summary>
public sealed record StoredTransaction(long Seq, string TxnId, byte[] Body, IReadOnlyList<EventSlice> Events);
