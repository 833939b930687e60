using ControlPlane.Placement.Deployments;

namespace ControlPlane.Placement.Replicas;

/// <summary>
/// Keeps a deployment's replicas matching its spec, as a pure decision: replicas stuck loading are failed,
/// failed replicas and those on hardware that is gone are removed, the target count is worked out from the
/// serving replicas' load (<see cref="ReplicaTarget"/>), missing replicas are placed on free hardware
/// (<see cref="ReplicaPlanner"/>) and extras retired. The deployment grain and the simulator both apply
/// its plans, each to its own world.
/// </summary>
public sealed class DeploymentReconciler(ReplicaPlanner planner, ReconcileSettings settings)
{
    /// <summary>What to do now.</summary>
    /// <param name="spec">The deployment.</param>
    /// <param name="replicas">Its replicas, oldest first.</param>
    /// <param name="hardware">Every accelerator of the fleet by id; one missing here has left the fleet.</param>
    /// <param name="capacity">Accelerators new replicas may be placed on, with their free devices.</param>
    /// <param name="now">The clock.</param>
    public ReconcilePlan Plan(
        DeploymentSpec spec,
        IReadOnlyList<ReconciledReplica> replicas,
        IReadOnlyDictionary<string, AcceleratorCondition> hardware,
        IReadOnlyList<AcceleratorCapacity> capacity,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(hardware);

        var fail = new List<ReplicaVerdict>();
        var remove = new List<ReplicaVerdict>();
        var serving = new List<ReconciledReplica>();
        foreach (var replica in replicas)
        {
            if (StuckLoading(replica, now) is { } stuck)
            {
                fail.Add(new ReplicaVerdict(replica.ReplicaId, stuck));
                remove.Add(new ReplicaVerdict(replica.ReplicaId, stuck));
            }
            else if (BrokenBecause(replica, hardware) is { } broken)
            {
                remove.Add(new ReplicaVerdict(replica.ReplicaId, broken));
            }
            else if (replica.State == ReplicaState.Retiring && IsRetired(replica, now))
            {
                remove.Add(new ReplicaVerdict(replica.ReplicaId, "scaled down"));
            }
            else if (IsServing(replica, hardware))
            {
                // Replicas on cordoned or draining hardware take no new sessions, so they do not count:
                // replacements are placed at once; a drain takes the old ones out through the disruption budget.
                serving.Add(replica);
            }
        }

        var wanted = ReplicaTarget.For(spec.DesiredReplicas, spec.MaxReplicas,
            serving.Select(r => LoadSample(spec, r)).ToArray(),
            settings.ScaleOutUtilization, settings.ScaleInUtilization);
        IReadOnlyList<ReplicaAssignment> added = [];
        IReadOnlyList<string> problems = [];
        var retire = new List<ReplicaVerdict>();
        if (serving.Count < wanted)
        {
            var missing = wanted - serving.Count;
            var plan = planner.Plan(spec, missing, capacity, serving.Select(r => r.Placement).ToArray());
            added = plan.Assignments;
            if (plan.Unplaced > 0)
            {
                problems = [$"{plan.Unplaced} of {missing} missing replica(s) cannot be placed", .. plan.Reasons];
            }
        }
        else if (serving.Count > wanted)
        {
            // Replicas still loading go first, then the least busy, then the newest.
            retire.AddRange(serving
                .OrderBy(r => r.State == ReplicaState.Loading ? 0 : 1)
                .ThenBy(r => r.ActiveStreams)
                .ThenByDescending(r => r.CreationOrder)
                .Take(serving.Count - wanted)
                .Select(r => new ReplicaVerdict(r.ReplicaId, "scaled down: unloading once its running work is done")));
        }

        return new ReconcilePlan(fail, remove, retire, wanted, serving.Count, added, problems);
    }

    /// <summary>
    /// Whether a retiring replica may be unloaded: no placement holds a slot on it any more (its
    /// <see cref="ReconciledReplica.ActiveStreams"/> from the primary itself), or every placement that could
    /// still hold one has outlived its lease.
    /// </summary>
    public bool IsRetired(ReconciledReplica replica, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return replica.ActiveStreams == 0
            || (replica.RetiringSince is { } since && now - since >= settings.PlacementLease);
    }

    // A replica loading for longer than the load timeout is failed, so it is replaced: an agent that never
    // acknowledges the command, or never reports the weights loaded, must not hold it forever.
    private string? StuckLoading(ReconciledReplica replica, DateTimeOffset now) =>
        replica.State == ReplicaState.Loading && replica.LoadingSince is { } since && now - since >= settings.ReplicaLoadTimeout
            ? $"not ready {settings.ReplicaLoadTimeout} after loading started ({(replica.LoadProblem.Length > 0 ? replica.LoadProblem : replica.Message)})"
            : null;

    private static string? BrokenBecause(ReconciledReplica replica, IReadOnlyDictionary<string, AcceleratorCondition> hardware)
    {
        if (replica.State == ReplicaState.Failed)
        {
            return replica.Message;
        }

        foreach (var id in replica.Placement.AcceleratorIds)
        {
            if (!hardware.TryGetValue(id, out var condition))
            {
                return $"accelerator '{id}' is no longer in the fleet";
            }

            if (condition.Standing == AcceleratorStanding.Gone)
            {
                return $"accelerator '{id}' is {condition.State}";
            }
        }

        return null;
    }

    private static bool IsServing(ReconciledReplica replica, IReadOnlyDictionary<string, AcceleratorCondition> hardware) =>
        replica.State is ReplicaState.Loading or ReplicaState.Ready
        && replica.Placement.AcceleratorIds.All(id => hardware.TryGetValue(id, out var condition) && condition.Standing == AcceleratorStanding.Schedulable);

    private static ReplicaLoadSample LoadSample(DeploymentSpec spec, ReconciledReplica replica) =>
        replica.Performance is { } performance
            ? ReplicaTarget.SampleOf(spec, performance, replica.ActiveStreams, replica.Slots)
            : new ReplicaLoadSample(replica.ActiveStreams, replica.Slots);
}
