using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace ControlPlane.Placement.Routing;

/// <summary>
/// Replica ids to row numbers for one <see cref="DeploymentRoutes"/>: an open-addressed table (linear
/// probing) whose entries hold the id's 64-bit hash beside the id and the row. Exact lookups compare ids as a
/// dictionary would; the sticky lookup on the hot path (<see cref="TryGetByHash"/>) matches on the hash
/// alone, so it costs one cache line instead of a dictionary's bucket, entry and key string (three cache
/// misses each at 100k replicas). Not thread-safe: one owner mutates it.
/// </summary>
internal sealed class ReplicaIdIndex
{
    private Entry[] _entries = new Entry[16];

    /// <summary>How many ids it holds.</summary>
    public int Count { get; private set; }

    /// <summary>The hash every lookup starts from (XXH3, seed 0: replica ids are the control plane's own, not a caller's).</summary>
    public static ulong HashOf(string replicaId) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(replicaId.AsSpan()));

    /// <summary>The row of <paramref name="replicaId"/>, compared in full.</summary>
    public bool TryGet(string replicaId, out int row)
    {
        var slot = Find(replicaId, HashOf(replicaId));
        row = slot < 0 ? 0 : _entries[slot].Row;
        return slot >= 0;
    }

    /// <summary>
    /// The row of the first id whose hash is <paramref name="hash"/>, without comparing the id itself. For an
    /// affinity hint only: two ids sharing a 64-bit hash (about one chance in 10^9 for a fleet of 100k) would
    /// make one session prefer the other's replica, which still has to pass every filter.
    /// </summary>
    public bool TryGetByHash(ulong hash, out int row)
    {
        var mask = _entries.Length - 1;
        for (var slot = (int)hash & mask; _entries[slot].Id is not null; slot = (slot + 1) & mask)
        {
            if (_entries[slot].Hash == hash)
            {
                row = _entries[slot].Row;
                return true;
            }
        }

        row = 0;
        return false;
    }

    /// <summary>Asks the CPU to start loading the entry <paramref name="hash"/> lands on (a hint; nothing is read).</summary>
    public unsafe void Prefetch(ulong hash)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref _entries[(int)hash & (_entries.Length - 1)]));
        }
    }

    /// <summary>Adds <paramref name="replicaId"/> at <paramref name="row"/>; throws when it is already there.</summary>
    public void Add(string replicaId, int row)
    {
        var hash = HashOf(replicaId);
        if (Find(replicaId, hash) >= 0)
        {
            throw new ArgumentException($"replica '{replicaId}' is already in the index", nameof(replicaId));
        }

        // At most half full, so probe runs stay a cache line or two long.
        if (2 * (Count + 1) > _entries.Length)
        {
            Grow();
        }

        Place(new Entry { Hash = hash, Id = replicaId, Row = row });
        Count++;
    }

    /// <summary>Points <paramref name="replicaId"/>, which must be present, at <paramref name="row"/>.</summary>
    public void Move(string replicaId, int row)
    {
        var slot = Find(replicaId, HashOf(replicaId));
        if (slot < 0)
        {
            throw new KeyNotFoundException($"replica '{replicaId}' is not in the index");
        }

        _entries[slot].Row = row;
    }

    /// <summary>Removes <paramref name="replicaId"/>; false when it is not there.</summary>
    public bool Remove(string replicaId, out int row)
    {
        var slot = Find(replicaId, HashOf(replicaId));
        if (slot < 0)
        {
            row = 0;
            return false;
        }

        row = _entries[slot].Row;
        Count--;

        // Backward-shift deletion: later entries of the run move up into the gap unless that would put
        // them before their home slot, so no tombstones build up and every probe still ends at a gap.
        var mask = _entries.Length - 1;
        var gap = slot;
        for (var next = (gap + 1) & mask; _entries[next].Id is not null; next = (next + 1) & mask)
        {
            var home = (int)_entries[next].Hash & mask;
            if (((next - home) & mask) >= ((next - gap) & mask))
            {
                _entries[gap] = _entries[next];
                gap = next;
            }
        }

        _entries[gap] = default;
        return true;
    }

    private int Find(string replicaId, ulong hash)
    {
        var mask = _entries.Length - 1;
        for (var slot = (int)hash & mask; _entries[slot].Id is { } id; slot = (slot + 1) & mask)
        {
            if (_entries[slot].Hash == hash && string.Equals(id, replicaId, StringComparison.Ordinal))
            {
                return slot;
            }
        }

        return -1;
    }

    private void Place(Entry entry)
    {
        var mask = _entries.Length - 1;
        var slot = (int)entry.Hash & mask;
        while (_entries[slot].Id is not null)
        {
            slot = (slot + 1) & mask;
        }

        _entries[slot] = entry;
    }

    private void Grow()
    {
        var old = _entries;
        _entries = new Entry[old.Length * 2];
        foreach (var entry in old)
        {
            if (entry.Id is not null)
            {
                Place(entry);
            }
        }
    }

    private struct Entry
    {
        public ulong Hash;
        public string? Id;
        public int Row;
    }
}
