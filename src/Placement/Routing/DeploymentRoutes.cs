using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Routing;

/// <summary>
/// The routing index of one deployment: its replicas by hardware class (the per-deployment, per-pool index
/// of DESIGN.md §5), by id for sticky sessions, and running slot totals so no decision scans the fleet.
/// Not thread-safe: one owner mutates it.
/// </summary>
public sealed class DeploymentRoutes(DeploymentSpec spec)
{
    private readonly List<RoutableReplica> _wafers = [];
    private readonly List<RoutableReplica> _gpus = [];
    private readonly Dictionary<string, RoutableReplica> _byId = new(StringComparer.Ordinal);
    private int _waferSlots;
    private int _waferReserved;

    /// <summary>The deployment's spec (replaced when an operator updates it).</summary>
    public DeploymentSpec Spec { get; set; } = spec;

    /// <summary>Every replica, by hardware class.</summary>
    public IReadOnlyList<RoutableReplica> Replicas(HardwareClass hardwareClass) =>
        hardwareClass == HardwareClass.WaferScale ? _wafers : _gpus;

    /// <summary>Every replica of a class as a span, for the hot path (valid until the next change).</summary>
    internal ReadOnlySpan<RoutableReplica> ReplicaSpan(HardwareClass hardwareClass) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(hardwareClass == HardwareClass.WaferScale ? _wafers : _gpus);

    /// <summary>How many replicas the index holds.</summary>
    public int Count => _byId.Count;

    /// <summary>Share of wafer slots reserved, 0..1 (0 when the deployment has no wafer replicas).</summary>
    public double WaferUtilization => _waferSlots == 0 ? 0 : (double)_waferReserved / _waferSlots;

    /// <summary>Looks a replica up by id.</summary>
    public bool TryGet(string replicaId, out RoutableReplica replica) => _byId.TryGetValue(replicaId, out replica!);

    /// <summary>Adds a replica, or replaces the one with its id (keeping none of the old one's counters).</summary>
    public void Upsert(RoutableReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        Remove(replica.ReplicaId);
        _byId.Add(replica.ReplicaId, replica);
        (replica.Class == HardwareClass.WaferScale ? _wafers : _gpus).Add(replica);
        if (replica.Class == HardwareClass.WaferScale)
        {
            _waferSlots += replica.Slots;
            _waferReserved += replica.ActiveStreams;
        }
    }

    /// <summary>Removes a replica; false when the id is unknown.</summary>
    public bool Remove(string replicaId)
    {
        if (!_byId.Remove(replicaId, out var old))
        {
            return false;
        }

        var list = old.Class == HardwareClass.WaferScale ? _wafers : _gpus;
        var index = list.IndexOf(old);
        list[index] = list[^1]; // order does not matter; sampling is random
        list.RemoveAt(list.Count - 1);
        if (old.Class == HardwareClass.WaferScale)
        {
            _waferSlots -= old.Slots;
            _waferReserved -= old.ActiveStreams;
        }

        return true;
    }

    /// <summary>Sets a replica's reserved slots (from its accelerator's authoritative count).</summary>
    public void SetActiveStreams(RoutableReplica replica, int activeStreams)
    {
        if (replica.Class == HardwareClass.WaferScale)
        {
            _waferReserved += activeStreams - replica.ActiveStreams;
        }

        replica.ActiveStreams = activeStreams;
    }

    /// <summary>Reserves one slot locally when one is free.</summary>
    public bool TryReserve(RoutableReplica replica)
    {
        if (replica.FreeSlots <= 0)
        {
            return false;
        }

        SetActiveStreams(replica, replica.ActiveStreams + 1);
        return true;
    }

    /// <summary>Releases one locally reserved slot.</summary>
    public void Release(RoutableReplica replica)
    {
        if (replica.ActiveStreams > 0)
        {
            SetActiveStreams(replica, replica.ActiveStreams - 1);
        }
    }
}
