using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Replicas;
using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Engine;

/// <summary>A replica in the run: the router's view of it, its prefix cache and what runs on it.</summary>
internal sealed class SimReplica(RoutableReplica routable, PrefixCache cache, ReplicaAssignment assignment, long created)
{
    /// <summary>Where it was placed (the devices it holds).</summary>
    public ReplicaAssignment Assignment { get; } = assignment;

    /// <summary>Order of creation: scaling in retires the newest of equally busy replicas first.</summary>
    public long Created { get; } = created;

    /// <summary>Scaled in: takes no new work and is unloaded when what runs on it is done.</summary>
    public bool Retiring { get; set; }

    /// <summary>The replica as routers see it (slots, load, readiness).</summary>
    public RoutableReplica Routable { get; } = routable;

    /// <summary>KV blocks it still holds.</summary>
    public PrefixCache Cache { get; } = cache;

    /// <summary>Requests running on it.</summary>
    public HashSet<Running> InFlight { get; } = [];

    /// <summary>Its hardware class.</summary>
    public HardwareClass Class => Routable.Class;
}
