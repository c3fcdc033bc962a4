using BenchmarkDotNet.Attributes;
using OpenMeet.AppService.Reconciliation;

namespace OpenMeet.Bench.Planning;

/// <summary>
/// <see cref="OpenMeet.AppService.Reconciliation.Planner.Plan"/> for one room of <see cref="Members"/> people
/// (issue 14: under 10 ms at 5,000). Three cases: the room as it should be (what every reconcile of a
/// quiet room costs, e.g. the sweep at start), a room that drifted the way a busy event does (5% new
/// members to invite, 2% removed members to kick, 1% role changes), and a room just created (everyone
/// to invite, all levels to set).
/// </summary>
[MemoryDiagnoser]
public class PlannerBenchmarks
{
    private DesiredRoom desired = null!;
    private DesiredRoom changed = null!;
    private ObservedRoom converged = null!;
    private ObservedRoom created = null!;

    [Params(5000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var invited = Members / 20;
        var kicked = Members / 50;
        var promoted = Members / 100;
        desired = RoomFixtures.Desired(0, Members, Members + invited);
        converged = RoomFixtures.Converged(desired);
        created = RoomFixtures.Created();
        // The first `kicked` members left OpenMeet's event, `invited` new ones joined it, and `promoted`
        // participants became moderators.
        changed = RoomFixtures.Desired(kicked, Members + invited, Members + invited,
            i => i >= Members - promoted && i < Members ? 50 : RoomFixtures.Level(i));

        Expect(Planner.Plan(desired, converged), 0, "converged");
        Expect(Planner.Plan(changed, converged), invited + kicked + 1, "drifted");
        Expect(Planner.Plan(desired, created), Members + 6, "created");
    }

    [Benchmark(Baseline = true)]
    public Plan Converged() => Planner.Plan(desired, converged);

    [Benchmark]
    public Plan Drifted() => Planner.Plan(changed, converged);

    [Benchmark]
    public Plan Created() => Planner.Plan(desired, created);

    // The figures mean something only if each case plans what it says it does.
    private static void Expect(Plan plan, int actions, string name)
    {
        if (plan.Actions.Count != actions || plan.Unfixable.Count != 0)
        {
            throw new InvalidOperationException(
                $"{name}: expected {actions} actions and nothing unfixable, got {plan.Actions.Count} and {plan.Unfixable.Count}: "
                + string.Join("; ", plan.Actions.Take(10).Select(a => a.Describe()).Concat(plan.Unfixable.Take(5))));
        }
    }
}
