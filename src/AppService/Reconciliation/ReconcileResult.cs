namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// How a reconcile ended when it did not fail (controller-runtime's <c>Result</c>): done, or not
/// possible before another key's reconcile succeeds (a room before its tenant's space exists). A
/// failure is an exception, retried with backoff.
/// </summary>
public sealed record ReconcileResult(ReconcileKey? WaitFor = null)
{
    public static readonly ReconcileResult Done = new();

    public static ReconcileResult After(ReconcileKey dependency) => new(dependency);
}
