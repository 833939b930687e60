using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Routing;

/// <summary>
/// What the routing pipeline reads about one replica, stored by value in its index's
/// <see cref="ReplicaTable"/>. A sampled candidate is then one 32-byte read from a contiguous array instead
/// of a chase through objects: at 100k replicas the objects no longer fit in the CPU's caches, the rows do.
/// The row is the only copy of the live fields; <see cref="RoutableReplica"/>'s properties read and write it.
/// </summary>
public struct ReplicaRow
{
    private RowFlags _flags;

    [Flags]
    private enum RowFlags : byte
    {
        Ready = 1,
        Healthy = 2,
        Schedulable = 4,
        HeldForSessions = 8,
    }

    internal ReplicaRow(RoutableReplica replica, HardwareClass hardwareClass, int slots, int maxContextTokens)
    {
        Replica = replica;
        Class = hardwareClass;
        Slots = slots;
        MaxContextTokens = maxContextTokens;
        _flags = RowFlags.Healthy | RowFlags.Schedulable;
    }

    /// <summary>The replica this row describes (identity; reading it costs nothing, dereferencing it does).</summary>
    public RoutableReplica Replica { readonly get; internal set; }

    private float _kvUtilization;

    /// <summary>Share of its KV cache in use, 0..1, as its agent reports (kept to float precision: a row stays 32 bytes).</summary>
    public double KvUtilization
    {
        readonly get => _kvUtilization;
        internal set => _kvUtilization = (float)value;
    }

    /// <summary>Concurrent streams it holds.</summary>
    public int Slots { get; }

    /// <summary>Slots reserved now.</summary>
    public int ActiveStreams { readonly get; internal set; }

    /// <summary>Most tokens (prompt + output) one request may hold on it.</summary>
    public int MaxContextTokens { get; }

    /// <summary>Requests waiting on the replica itself, as its agent reports.</summary>
    public int QueueDepth { readonly get; internal set; }

    /// <summary>Index of its performance profile in its table (replicas of one shape share one).</summary>
    internal ushort Profile { readonly get; set; }

    private byte _class;

    /// <summary>The hardware class it runs on.</summary>
    public HardwareClass Class
    {
        readonly get => (HardwareClass)_class;
        internal set => _class = (byte)value;
    }

    /// <summary>Slots not reserved.</summary>
    public readonly int FreeSlots => Slots - ActiveStreams;

    /// <summary>Its agent reported it loaded and serving.</summary>
    public bool Ready
    {
        readonly get => (_flags & RowFlags.Ready) != 0;
        internal set => Set(RowFlags.Ready, value);
    }

    /// <summary>Its accelerators report healthy (or degraded, still serving).</summary>
    public bool Healthy
    {
        readonly get => (_flags & RowFlags.Healthy) != 0;
        internal set => Set(RowFlags.Healthy, value);
    }

    /// <summary>Its accelerators take new work (not cordoned, draining or lost).</summary>
    public bool Schedulable
    {
        readonly get => (_flags & RowFlags.Schedulable) != 0;
        internal set => Set(RowFlags.Schedulable, value);
    }

    /// <summary>Not schedulable, but still serving the sessions already on it (see <see cref="RoutableReplica.HeldForSessions"/>).</summary>
    public bool HeldForSessions
    {
        readonly get => (_flags & RowFlags.HeldForSessions) != 0;
        internal set => Set(RowFlags.HeldForSessions, value);
    }

    private void Set(RowFlags flag, bool value) => _flags = value ? _flags | flag : _flags & ~flag;
}
