using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;

namespace ControlPlane.Placement.Routing;

/// <summary>
/// One replica as the router sees it: fixed facts plus live counters. Owned by one index; its live
/// fields are written by that index's owner only (one thread or one grain activation at a time).
/// </summary>
public sealed class RoutableReplica(
    string replicaId,
    string deployment,
    HardwareClass hardwareClass,
    string pool,
    IReadOnlyList<string> acceleratorIds,
    ReplicaPerformance performance,
    int slots,
    int maxContextTokens)
{
    /// <summary>The replica's id.</summary>
    public string ReplicaId { get; } = replicaId;

    /// <summary>The deployment it serves.</summary>
    public string Deployment { get; } = deployment;

    /// <summary>The hardware class it runs on.</summary>
    public HardwareClass Class { get; } = hardwareClass;

    /// <summary>The pool of its primary accelerator.</summary>
    public string Pool { get; } = pool;

    /// <summary>Its accelerators; the first is the primary, where slots are reserved.</summary>
    public IReadOnlyList<string> AcceleratorIds { get; } = acceleratorIds;

    /// <summary>The primary accelerator.</summary>
    public string PrimaryAcceleratorId => AcceleratorIds[0];

    /// <summary>Predicted speeds.</summary>
    public ReplicaPerformance Performance { get; } = performance;

    /// <summary>Concurrent streams it holds.</summary>
    public int Slots { get; } = slots;

    /// <summary>Most tokens (prompt + output) one request may hold on it.</summary>
    public int MaxContextTokens { get; } = maxContextTokens;

    /// <summary>Where gateways send its traffic, as its agent reported (empty until known).</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Its agent reported it loaded and serving.</summary>
    public bool Ready { get; set; }

    /// <summary>Its accelerators report healthy (or degraded, still serving).</summary>
    public bool Healthy { get; set; } = true;

    /// <summary>Its accelerators take new work (not cordoned, draining or lost).</summary>
    public bool Schedulable { get; set; } = true;

    /// <summary>
    /// Not schedulable, but still serving the sessions already on it: it sits on a draining accelerator and
    /// its deployment's disruption budget does not let it go yet.
    /// </summary>
    public bool HeldForSessions { get; set; }

    /// <summary>Slots reserved now; set through <see cref="DeploymentRoutes.SetActiveStreams"/> so totals stay right.</summary>
    public int ActiveStreams { get; internal set; }

    /// <summary>Requests waiting on the replica itself, as its agent reports.</summary>
    public int QueueDepth { get; set; }

    /// <summary>Share of its KV cache in use, 0..1, as its agent reports.</summary>
    public double KvUtilization { get; set; }

    /// <summary>Slots not reserved.</summary>
    public int FreeSlots => Slots - ActiveStreams;
}
