namespace OpenMeet.AppService.Transactions;

/// <summary>
/// Synapse's question about an alias in our namespace: is there a room for it? The push path asks;
/// the reconciler answers. An interface so that the push path knows nothing of the reconciler.
/// </summary>
public interface IAliasQuery
{
    Task<bool> ExistsAsync(string alias, CancellationToken ct);
}
