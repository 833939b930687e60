using ControlPlane.Grains.FleetIndex;

namespace ControlPlane.Grains.Tests;

public class FleetIndexShardsTests
{
    [Fact]
    public void The_same_id_always_maps_to_the_same_shard()
    {
        // Known FNV-1a values: a silo in another process must agree, so the hash is fixed, not randomised.
        Assert.Equal(FleetIndexShards.ShardOf("gpu-node-17", 8), FleetIndexShards.ShardOf("gpu-node-17", 8));
        Assert.Equal((int)(0xe40c292cu % 8), FleetIndexShards.ShardOf("a", 8));
    }

    [Fact]
    public void Ids_spread_over_all_shards()
    {
        var counts = new int[8];
        for (var i = 0; i < 8000; i++)
        {
            counts[FleetIndexShards.ShardOf($"sim-gpu-{i:D4}", 8)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 700, 1300));
    }

    [Fact]
    public void Zero_shards_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FleetIndexShards.ShardOf("x", 0));
    }
}
