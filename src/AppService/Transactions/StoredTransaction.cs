namespace OpenMeet.AppService.Transactions;

public sealed record StoredTransaction(long Seq, string TxnId, byte[] Body);
