namespace ControlPlane.Placement.Replicas;

/// <summary>A replica reconciling acts on, and why.</summary>
/// <param name="ReplicaId">The replica.</param>
/// <param name="Reason">Why, in words for the operator.</param>
public sealed record ReplicaVerdict(string ReplicaId, string Reason);

/// <summary>What one reconcile decided; the caller applies it in this order.</summary>
/// <param name="Fail">Replicas loading for longer than the load timeout: failed, and so also in <paramref name="Remove"/>.</param>
/// <param name="Remove">Replicas to unload now: failed, on hardware that is gone, or retired with no work left.</param>
/// <param name="Retire">Replicas scaled down: no new work, unloaded once their running work is done.</param>
/// <param name="Wanted">The replica count aimed for (<see cref="ReplicaTarget"/>).</param>
/// <param name="Serving">Replicas that count towards it: loading or ready on schedulable hardware, before this plan.</param>
/// <param name="Added">Where the missing replicas go; empty when none are missing.</param>
/// <param name="Problems">Why missing replicas could not be placed; empty when every missing one found room (or none was missing).</param>
public sealed record ReconcilePlan(
    IReadOnlyList<ReplicaVerdict> Fail,
    IReadOnlyList<ReplicaVerdict> Remove,
    IReadOnlyList<ReplicaVerdict> Retire,
    int Wanted,
    int Serving,
    IReadOnlyList<ReplicaAssignment> Added,
    IReadOnlyList<string> Problems);
