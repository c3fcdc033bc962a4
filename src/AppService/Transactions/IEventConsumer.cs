namespace OpenMeet.AppService.Transactions;

/// <summary>A feature that wants events from Synapse's transactions, in the order Synapse sent them.</summary>
public interface IEventConsumer
{
    bool Wants(MatrixEvent e);

    /// <summary>Must be idempotent: after a crash an event may be handed over again.</summary>
    ValueTask HandleAsync(MatrixEvent e, CancellationToken cancellationToken);
}
