using Orleans.Concurrency;

namespace ControlPlane.Grains.Accelerators;

/// <summary>
/// One shard of the durable list of every accelerator ever registered (keyed 0..<see cref="AcceleratorDirectory.Shards"/>-1),
/// so a restarted silo can wake each one and its lease check resumes without an outside call.
/// </summary>
public interface IAcceleratorDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds an accelerator id (once).</summary>
    Task AddAsync(string acceleratorId);

    /// <summary>Every id in the shard, sorted.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> ListAsync();
}

/// <summary>How accelerator ids are spread over directory shards.</summary>
public static class AcceleratorDirectory
{
    /// <summary>
    /// Shards of the directory. Fixed: ids are stored by shard, so changing it would lose them. 64 keeps a
    /// shard of a 100,000-accelerator fleet near 50 KB, far below a store's document limit.
    /// </summary>
    public const int Shards = 64;

    /// <summary>The shard holding <paramref name="acceleratorId"/>.</summary>
    public static int ShardOf(string acceleratorId) => FleetIndex.FleetIndexShards.ShardOf(acceleratorId, Shards);
}
