using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using ControlPlane.Placement.Performance;

namespace ControlPlane.Placement.Routing;

/// <summary>
/// The replicas of one hardware class in one <see cref="DeploymentRoutes"/>, as a contiguous array of
/// <see cref="ReplicaRow"/>s (only the hot fields, split from the replica objects) plus the few distinct performance profiles
/// they share. Order carries no meaning: removal moves the last row into the gap. Not thread-safe.
/// </summary>
public sealed class ReplicaTable : IReadOnlyList<RoutableReplica>
{
    private ReplicaRow[] _rows;
    private ReplicaPerformance[] _profiles = new ReplicaPerformance[2];
    private int _profileCount;

    internal ReplicaTable(DeploymentRoutes? owner, int capacity)
    {
        Owner = owner;
        _rows = new ReplicaRow[Math.Max(1, capacity)];
    }

    /// <summary>How many replicas it holds.</summary>
    public int Count { get; private set; }

    /// <summary>The replica in row <paramref name="index"/>.</summary>
    public RoutableReplica this[int index] =>
        (uint)index < (uint)Count ? _rows[index].Replica : throw new ArgumentOutOfRangeException(nameof(index), index, $"the table holds {Count} replicas");

    /// <summary>The index that owns it; null for a replica that belongs to no index yet (or any more).</summary>
    internal DeploymentRoutes? Owner { get; }

    /// <summary>The rows in use, for the hot path (valid until the next change).</summary>
    internal ReadOnlySpan<ReplicaRow> Rows => _rows.AsSpan(0, Count);

    /// <summary>A row by index, to read or write in place.</summary>
    internal ref ReplicaRow RowAt(int index) => ref _rows[index];

    /// <summary>
    /// Asks the CPU to start loading row <paramref name="index"/> into cache. A hint only: if the array
    /// moves before the load, the CPU fetches a stale line and nothing else happens.
    /// </summary>
    internal unsafe void Prefetch(int index)
    {
        if (Sse.IsSupported && (uint)index < (uint)Count)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref _rows[index]));
        }
    }

    /// <summary>The performance profile a row points at.</summary>
    internal ref readonly ReplicaPerformance ProfileOf(in ReplicaRow row) => ref _profiles[row.Profile];

    /// <summary>Appends <paramref name="row"/> for <paramref name="replica"/>, points the replica at it and returns its index.</summary>
    internal int Add(RoutableReplica replica, ReplicaRow row)
    {
        if (Count == _rows.Length)
        {
            Array.Resize(ref _rows, _rows.Length * 2);
        }

        row.Profile = ProfileIndex(replica.Performance);
        _rows[Count] = row;
        replica.MoveTo(this, Count);
        return Count++;
    }

    /// <summary>Removes row <paramref name="index"/>, moving the last row into its place; returns the replica moved, if any.</summary>
    internal RoutableReplica? RemoveAt(int index)
    {
        var last = Count - 1;
        RoutableReplica? moved = null;
        if (index != last)
        {
            _rows[index] = _rows[last];
            moved = _rows[index].Replica;
            moved.MoveTo(this, index);
        }

        _rows[last] = default;
        Count = last;
        return moved;
    }

    /// <inheritdoc />
    public IEnumerator<RoutableReplica> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _rows[i].Replica;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Replicas of one model on one hardware shape share a profile, so a table holds a handful; a linear
    // search at insert keeps the hot path to one small, cached array.
    private ushort ProfileIndex(in ReplicaPerformance performance)
    {
        for (var i = 0; i < _profileCount; i++)
        {
            if (_profiles[i] == performance)
            {
                return (ushort)i;
            }
        }

        if (_profileCount == ushort.MaxValue)
        {
            throw new InvalidOperationException($"a replica table holds at most {ushort.MaxValue} distinct performance profiles");
        }

        if (_profileCount == _profiles.Length)
        {
            Array.Resize(ref _profiles, _profiles.Length * 2);
        }

        _profiles[_profileCount] = performance;
        return (ushort)_profileCount++;
    }
}
