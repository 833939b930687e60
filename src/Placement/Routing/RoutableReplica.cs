using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;

namespace ControlPlane.Placement.Routing;

/// <summary>
/// One replica as the router sees it: fixed facts plus live counters. The live counters are stored in its
/// <see cref="ReplicaRow"/> in the <see cref="ReplicaTable"/> of the index that holds it (or in a table of
/// its own until one does), and written by that index's owner only (one thread or one grain activation at a
/// time).
/// </summary>
public sealed class RoutableReplica
{
    private ReplicaTable _table;
    private int _row;

    /// <summary>Creates a replica that belongs to no index yet: ready false, healthy and schedulable.</summary>
    public RoutableReplica(
        string replicaId,
        string deployment,
        HardwareClass hardwareClass,
        string pool,
        IReadOnlyList<string> acceleratorIds,
        ReplicaPerformance performance,
        int slots,
        int maxContextTokens)
    {
        ReplicaId = replicaId;
        Deployment = deployment;
        Pool = pool;
        AcceleratorIds = acceleratorIds;
        Performance = performance;
        _table = new ReplicaTable(owner: null, capacity: 1);
        _table.Add(this, new ReplicaRow(this, hardwareClass, slots, maxContextTokens));
    }

    /// <summary>The replica's id.</summary>
    public string ReplicaId { get; }

    /// <summary>The deployment it serves.</summary>
    public string Deployment { get; }

    /// <summary>The hardware class it runs on.</summary>
    public HardwareClass Class => State.Class;

    /// <summary>The pool of its primary accelerator.</summary>
    public string Pool { get; }

    /// <summary>Its accelerators; the first is the primary, where slots are reserved.</summary>
    public IReadOnlyList<string> AcceleratorIds { get; }

    /// <summary>The primary accelerator.</summary>
    public string PrimaryAcceleratorId => AcceleratorIds[0];

    /// <summary>Predicted speeds.</summary>
    public ReplicaPerformance Performance { get; }

    /// <summary>Concurrent streams it holds.</summary>
    public int Slots => State.Slots;

    /// <summary>Most tokens (prompt + output) one request may hold on it.</summary>
    public int MaxContextTokens => State.MaxContextTokens;

    /// <summary>Where gateways send its traffic, as its agent reported (empty until known).</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Its agent reported it loaded and serving.</summary>
    public bool Ready
    {
        get => State.Ready;
        set => State.Ready = value;
    }

    /// <summary>Its accelerators report healthy (or degraded, still serving).</summary>
    public bool Healthy
    {
        get => State.Healthy;
        set => State.Healthy = value;
    }

    /// <summary>Its accelerators take new work (not cordoned, draining or lost).</summary>
    public bool Schedulable
    {
        get => State.Schedulable;
        set => State.Schedulable = value;
    }

    /// <summary>
    /// Not schedulable, but still serving the sessions already on it: it sits on a draining accelerator and
    /// its deployment's disruption budget does not let it go yet.
    /// </summary>
    public bool HeldForSessions
    {
        get => State.HeldForSessions;
        set => State.HeldForSessions = value;
    }

    /// <summary>Slots reserved now; set through <see cref="DeploymentRoutes.SetActiveStreams"/> so totals stay right.</summary>
    public int ActiveStreams
    {
        get => State.ActiveStreams;
        internal set => State.ActiveStreams = value;
    }

    /// <summary>Requests waiting on the replica itself, as its agent reports.</summary>
    public int QueueDepth
    {
        get => State.QueueDepth;
        set => State.QueueDepth = value;
    }

    /// <summary>Share of its KV cache in use, 0..1, as its agent reports.</summary>
    public double KvUtilization
    {
        get => State.KvUtilization;
        set => State.KvUtilization = value;
    }

    /// <summary>Slots not reserved.</summary>
    public int FreeSlots => State.FreeSlots;

    /// <summary>The table holding its row.</summary>
    internal ReplicaTable Table => _table;

    /// <summary>Its row's index in <see cref="Table"/>.</summary>
    internal int Row => _row;

    /// <summary>Its row, read or written in place.</summary>
    internal ref ReplicaRow State => ref _table.RowAt(_row);

    /// <summary>Called by a table when the row moves (added, or shifted by a removal).</summary>
    internal void MoveTo(ReplicaTable table, int row)
    {
        _table = table;
        _row = row;
    }

    /// <summary>Gives the replica a table of its own again, keeping its live fields (it left its index).</summary>
    internal void Detach()
    {
        var row = State;
        new ReplicaTable(owner: null, capacity: 1).Add(this, row);
    }
}
