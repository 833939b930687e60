using ControlPlane.Grains.Gpus;

namespace ControlPlane.Grains.Tests;

[Collection(FleetClusterCollection.Name)]
public class GpuClaimGrainTests(FleetClusterFixture fleet)
{
    [Fact]
    public async Task The_first_claim_wins_and_only_its_holder_can_release_it()
    {
        var gpu = fleet.Grains.GetGrain<IGpuClaimGrain>("GPU-claim-test-0");

        var first = await gpu.ClaimAsync("acc-a");
        var second = await gpu.ClaimAsync("acc-b");
        await gpu.ReleaseAsync("acc-b");
        var afterForeignRelease = await gpu.GetOwnerAsync();
        await gpu.ReleaseAsync("acc-a");
        var afterRelease = await gpu.GetOwnerAsync();
        var third = await gpu.ClaimAsync("acc-b");

        Assert.Equal("acc-a", first);
        Assert.Equal("acc-a", second);
        Assert.Equal("acc-a", afterForeignRelease);
        Assert.Null(afterRelease);
        Assert.Equal("acc-b", third);
    }
}
