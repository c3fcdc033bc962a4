using System.Net;
using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Applies a plan's actions in order. An action Synapse refuses (a 4xx answer) does not stop the
/// ones after it: an invite that always fails must not keep a revoked person, or another tenant's,
/// in the room (the planner orders removals last). A failure that is not the action's own (Synapse
/// unreachable, a 5xx, a timeout) stops the plan: the rest would fail the same way.
/// </summary>
public static class PlanExecution
{
    /// <returns>What Synapse refused, each with its reason; empty when every action was applied.</returns>
    public static async Task<IReadOnlyList<string>> ApplyAsync(IReadOnlyList<RoomAction> actions, Func<RoomAction, Task> apply, Action<RoomAction> applied)
    {
        var refused = new List<string>();
        foreach (var action in actions)
        {
            try
            {
                await apply(action);
            }
            catch (MatrixException e) when ((int)e.Status is >= 400 and < 500 && e.Status != HttpStatusCode.TooManyRequests)
            {
                refused.Add($"{action.Describe()}: {e.ErrCode} {e.Error}");
                continue;
            }

            applied(action);
        }

        return refused;
    }
}
