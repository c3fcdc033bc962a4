namespace OpenMeet.AppService.Reconciliation;

/// <summary>A room cannot be reconciled before another one (its tenant's space): not a failure, a short wait.</summary>
public sealed class WaitingException(string what) : Exception(what);
