using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Policies;

/// <summary>Where one request goes: a replica, the queue, or nowhere (with why).</summary>
internal readonly record struct PolicyChoice(RoutableReplica? Replica, bool Queue, RejectionReason Reason)
{
    /// <summary>Placed on <paramref name="replica"/>.</summary>
    public static PolicyChoice On(RoutableReplica replica) => new(replica, false, RejectionReason.None);

    /// <summary>Every suitable replica is busy: wait for a slot.</summary>
    public static PolicyChoice Wait() => new(null, true, RejectionReason.NoCapacity);

    /// <summary>Refused for <paramref name="reason"/>.</summary>
    public static PolicyChoice Refuse(RejectionReason reason) => new(null, false, reason);
}

/// <summary>A routing policy under comparison. One instance per run (policies may keep state, e.g. a round-robin cursor).</summary>
internal interface IRoutingPolicy
{
    /// <summary>The policy's name in reports.</summary>
    string Name { get; }

    /// <summary>Chooses for <paramref name="request"/> among <paramref name="routes"/> (the target deployment's replicas).</summary>
    PolicyChoice Choose(SimRequest request, string? stickyReplicaId, DeploymentRoutes routes);
}
