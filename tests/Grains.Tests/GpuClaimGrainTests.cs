using ControlPlane.Grains.Gpus;

namespace ControlPlane.Grains.Tests;

[Collection(FleetClusterCollection.Name)]
public class GpuClaimGrainTests(FleetClusterFixture fleet)
{
    [Fact]
    public async Task The_first_claim_wins_and_only_its_holder_can_release_it()
    {
        var p = fleet.NewPrefix();
        var gpu = fleet.Grains.GetGrain<IGpuClaimGrain>($"{p}-GPU-claim-test-0");

        var first = await gpu.ClaimAsync($"{p}-acc-a");
        var second = await gpu.ClaimAsync($"{p}-acc-b");
        await gpu.ReleaseAsync($"{p}-acc-b");
        var afterForeignRelease = await gpu.GetOwnerAsync();
        await gpu.ReleaseAsync($"{p}-acc-a");
        var afterRelease = await gpu.GetOwnerAsync();
        var third = await gpu.ClaimAsync($"{p}-acc-b");

        Assert.Equal($"{p}-acc-a", first);
        Assert.Equal($"{p}-acc-a", second);
        Assert.Equal($"{p}-acc-a", afterForeignRelease);
        Assert.Null(afterRelease);
        Assert.Equal($"{p}-acc-b", third);
    }
}
