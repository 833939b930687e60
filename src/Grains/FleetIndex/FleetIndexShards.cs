namespace ControlPlane.Grains.FleetIndex;

/// <summary>Maps an accelerator id to its fleet index shard with a hash that is the same on every silo.</summary>
public static class FleetIndexShards
{
    /// <summary>The shard (0..<paramref name="shardCount"/>-1) holding <paramref name="acceleratorId"/>.</summary>
    public static int ShardOf(string acceleratorId, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);

        // FNV-1a: string.GetHashCode is randomised per process, so it cannot agree across silos.
        uint hash = 2166136261;
        foreach (var c in acceleratorId)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash % (uint)shardCount);
    }
}
