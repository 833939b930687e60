using ControlPlane.Grains.Accelerators;
using ControlPlane.Placement.Replicas;

namespace ControlPlane.Grains.Deployments;

/// <summary>A deployment's answer to a draining accelerator that asks to take one of its replicas out of service.</summary>
/// <param name="Granted">Whether the replica may go now.</param>
/// <param name="ReadyLeft">Ready replicas that would still take turns without it.</param>
/// <param name="HoldReason">Why it must stay, for the operator; empty when granted.</param>
public readonly record struct DisruptionAnswer(bool Granted, int ReadyLeft, string HoldReason);

/// <summary>
/// The deployment's side of a drain: a draining accelerator may take a replica out of service while at
/// least the deployment's minimum of ready replicas keeps taking turns, or at once when the drain is forced.
/// Remembers what it granted, rather than reading it back from the fleet index (which lags), so two drains
/// asking at once cannot both take the last spare replica. No I/O: the deployment grain asks and applies.
/// </summary>
/// <param name="deployment">The deployment's name, for the hold reason.</param>
public sealed class DisruptionBudget(string deployment)
{
    private readonly HashSet<string> _granted = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="replica"/> may go now.</summary>
    /// <param name="replica">The replica the draining accelerator asks about.</param>
    /// <param name="force">The drain was forced: budgets do not hold it.</param>
    /// <param name="minReplicas">Ready replicas the deployment keeps at least.</param>
    /// <param name="replicas">Every replica of the deployment.</param>
    /// <param name="hardware">Views of the deployment's accelerators.</param>
    /// <param name="placementProblem">Why no replacement could be placed, if known.</param>
    public DisruptionAnswer Decide(
        ReplicaRecord replica,
        bool force,
        int minReplicas,
        IReadOnlyList<ReplicaRecord> replicas,
        IReadOnlyDictionary<string, AcceleratorView> hardware,
        string? placementProblem)
    {
        ArgumentNullException.ThrowIfNull(replica);
        ArgumentNullException.ThrowIfNull(replicas);

        // A grant ends when its replica is gone, or back on active hardware (the drain was resumed).
        _granted.RemoveWhere(id => replicas.FirstOrDefault(r => r.ReplicaId == id) is not { } r
            || r.AcceleratorIds.All(a => hardware.TryGetValue(a, out var v) && v.State == AcceleratorState.Active));
        var left = replicas.Count(r => r != replica && r.State == ReplicaState.Ready && !_granted.Contains(r.ReplicaId) && TakesTurns(r, hardware));
        if (force || left >= minReplicas || _granted.Contains(replica.ReplicaId))
        {
            _granted.Add(replica.ReplicaId);
            return new DisruptionAnswer(true, left, "");
        }

        var loading = replicas.Count(r => r.State == ReplicaState.Loading
            && r.AcceleratorIds.All(id => hardware.TryGetValue(id, out var view) && view.Schedulable));
        return new DisruptionAnswer(false, left,
            $"deployment {deployment} keeps at least {minReplicas} ready replica(s) (its disruption budget); {left} would be left, " +
            (loading > 0 ? $"{loading} replacement(s) loading" : "no replacement placed yet: " + (placementProblem ?? "waiting for the next reconcile")));
    }

    // Ready replicas that still take turns: on active accelerators, or held on draining ones.
    private static bool TakesTurns(ReplicaRecord replica, IReadOnlyDictionary<string, AcceleratorView> hardware) =>
        replica.AcceleratorIds.All(id => hardware.TryGetValue(id, out var view) && view.TakesTurnsOf(replica.ReplicaId));
}
