using System.Runtime.CompilerServices;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Routing;

/// <summary>
/// The routing index of one deployment: its replicas by hardware class (the per-deployment, per-pool index
/// of DESIGN.md §5) as tables of rows, by id for sticky sessions, and running slot totals so no decision
/// scans the fleet. Not thread-safe: one owner mutates it.
/// </summary>
public sealed class DeploymentRoutes
{
    private readonly ReplicaTable _wafers;
    private readonly ReplicaTable _gpus;
    // Ids map straight to rows (a row number and the table it is in), so a sticky lookup does not load
    // the replica object on its way.
    private readonly ReplicaIdIndex _byId = new();
    private int _waferSlots;
    private int _waferReserved;

    /// <summary>Creates an empty index for <paramref name="spec"/>.</summary>
    public DeploymentRoutes(DeploymentSpec spec)
    {
        Spec = spec;
        _wafers = new ReplicaTable(this, capacity: 16);
        _gpus = new ReplicaTable(this, capacity: 16);
    }

    /// <summary>The deployment's spec (replaced when an operator updates it).</summary>
    public DeploymentSpec Spec { get; set; }

    /// <summary>Every replica, by hardware class.</summary>
    public IReadOnlyList<RoutableReplica> Replicas(HardwareClass hardwareClass) => Table(hardwareClass);

    /// <summary>How many replicas the index holds.</summary>
    public int Count => _byId.Count;

    /// <summary>Share of wafer slots reserved, 0..1 (0 when the deployment has no wafer replicas).</summary>
    public double WaferUtilization => _waferSlots == 0 ? 0 : (double)_waferReserved / _waferSlots;

    /// <summary>The table of one hardware class, for the hot path.</summary>
    internal ReplicaTable Table(HardwareClass hardwareClass) => hardwareClass == HardwareClass.WaferScale ? _wafers : _gpus;

    /// <summary>Looks a replica up by id.</summary>
    public bool TryGet(string replicaId, out RoutableReplica replica)
    {
        if (_byId.TryGet(replicaId, out var row))
        {
            var address = AddressOf(row);
            replica = address.Table.RowAt(address.Index).Replica;
            return true;
        }

        replica = null!;
        return false;
    }

    /// <summary>
    /// Looks the row of a sticky replica up by its id's hash (<see cref="ReplicaIdIndex.HashOf"/>), without
    /// comparing the id: an affinity hint, see <see cref="ReplicaIdIndex.TryGetByHash"/>.
    /// </summary>
    internal bool TryGetStickyRow(ulong idHash, out RowAddress address)
    {
        var found = _byId.TryGetByHash(idHash, out var row);
        address = found ? AddressOf(row) : default;
        return found;
    }

    /// <summary>Starts loading the id entry a sticky lookup of <paramref name="idHash"/> will read.</summary>
    internal void PrefetchSticky(ulong idHash) => _byId.Prefetch(idHash);

    /// <summary>
    /// Adds a replica, or replaces the one with its id (keeping none of the old one's counters). The replica
    /// keeps the live fields it was given; it must not belong to another index.
    /// </summary>
    public void Upsert(RoutableReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (replica.Table.Owner is { } owner && !ReferenceEquals(owner, this))
        {
            throw new InvalidOperationException($"replica '{replica.ReplicaId}' already belongs to another routing index; create one object per index");
        }

        Remove(replica.ReplicaId);
        var table = Table(replica.Class);
        _byId.Add(replica.ReplicaId, RowNumber(table, table.Add(replica, replica.State)));
        if (replica.Class == HardwareClass.WaferScale)
        {
            _waferSlots += replica.Slots;
            _waferReserved += replica.ActiveStreams;
        }
    }

    /// <summary>Removes a replica; false when the id is unknown. The removed object keeps its last live fields.</summary>
    public bool Remove(string replicaId)
    {
        if (!_byId.Remove(replicaId, out var row))
        {
            return false;
        }

        var address = AddressOf(row);
        var old = address.Table.RowAt(address.Index).Replica;
        if (old.Class == HardwareClass.WaferScale)
        {
            _waferSlots -= old.Slots;
            _waferReserved -= old.ActiveStreams;
        }

        old.Detach();
        if (address.Table.RemoveAt(address.Index) is { } moved)
        {
            _byId.Move(moved.ReplicaId, row);
        }

        return true;
    }

    /// <summary>Sets a replica's reserved slots (from its accelerator's authoritative count).</summary>
    public void SetActiveStreams(RoutableReplica replica, int activeStreams)
    {
        ArgumentNullException.ThrowIfNull(replica);
        SetActive(replica.Table, ref replica.State, activeStreams);
    }

    /// <summary>Reserves one slot locally when one is free.</summary>
    public bool TryReserve(RoutableReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return TryReserve(replica.Table, ref replica.State);
    }

    /// <summary>
    /// Reserves one slot on a decision's candidate when one is free. Same as <see cref="TryReserve(RoutableReplica)"/>,
    /// but goes straight to the row the engine just read (hot in cache) instead of through the replica object.
    /// </summary>
    public bool TryReserve(in RankedCandidate candidate)
    {
        ref var row = ref RowOf(candidate);
        return Unsafe.IsNullRef(ref row) ? TryReserve(candidate.Replica) : TryReserve(candidate.Row.Table, ref row);
    }

    /// <summary>Releases one locally reserved slot.</summary>
    public void Release(RoutableReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        Release(replica.Table, ref replica.State);
    }

    /// <summary>Releases one slot reserved through <see cref="TryReserve(in RankedCandidate)"/>.</summary>
    public void Release(in RankedCandidate candidate)
    {
        ref var row = ref RowOf(candidate);
        if (Unsafe.IsNullRef(ref row))
        {
            Release(candidate.Replica);
        }
        else
        {
            Release(candidate.Row.Table, ref row);
        }
    }

    // A row number packs the table (the low bit: 1 for wafers) with the index in it, so an id entry stays
    // 24 bytes with no object reference to the table.
    private int RowNumber(ReplicaTable table, int index) => (index << 1) | (ReferenceEquals(table, _wafers) ? 1 : 0);

    private RowAddress AddressOf(int row) => new((row & 1) == 1 ? _wafers : _gpus, row >> 1);

    // The candidate's row when it is still where the engine saw it (rows move only when a replica is
    // removed; comparing the reference costs nothing, as it does not load the object).
    private ref ReplicaRow RowOf(in RankedCandidate candidate)
    {
        var (table, index) = (candidate.Row.Table, candidate.Row.Index);
        if (table is not null && ReferenceEquals(table.Owner, this) && index < table.Count && ReferenceEquals(table.RowAt(index).Replica, candidate.Replica))
        {
            return ref table.RowAt(index);
        }

        return ref Unsafe.NullRef<ReplicaRow>();
    }

    private bool TryReserve(ReplicaTable table, ref ReplicaRow row)
    {
        if (row.FreeSlots <= 0)
        {
            return false;
        }

        SetActive(table, ref row, row.ActiveStreams + 1);
        return true;
    }

    private void Release(ReplicaTable table, ref ReplicaRow row)
    {
        if (row.ActiveStreams > 0)
        {
            SetActive(table, ref row, row.ActiveStreams - 1);
        }
    }

    // The one place slot counts change, so the wafer total follows every change of a row this index holds
    // (a replica that already left it keeps counting on its own, outside the total).
    private void SetActive(ReplicaTable table, ref ReplicaRow row, int activeStreams)
    {
        if (row.Class == HardwareClass.WaferScale && ReferenceEquals(table.Owner, this))
        {
            _waferReserved += activeStreams - row.ActiveStreams;
        }

        row.ActiveStreams = activeStreams;
    }
}
