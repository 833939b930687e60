using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Hosting;
using ControlPlane.Grains.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace ControlPlane.Grains.Tests;

/// <summary>The typed reference factory the placement path uses instead of <c>GetGrain&lt;T&gt;(string)</c>.</summary>
[Collection(FleetClusterCollection.Name)]
public class StringKeyedGrainFactoryTests(FleetClusterFixture cluster)
{
    private IServiceProvider Silo => cluster.PrimarySilo;

    [Theory]
    [InlineData("wafer-001")]
    [InlineData("a key with spaces and ünïcode")]
    public void References_name_the_same_grain_as_GetGrain(string key)
    {
        var grains = Silo.GetRequiredService<IGrainFactory>();

        Assert.Equal(grains.GetGrain<IAcceleratorGrain>(key).GetGrainId(), Silo.GetRequiredService<StringKeyedGrainFactory<IAcceleratorGrain>>().Get(key).GetGrainId());
        Assert.Equal(grains.GetGrain<ISessionGrain>(key).GetGrainId(), Silo.GetRequiredService<StringKeyedGrainFactory<ISessionGrain>>().Get(key).GetGrainId());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_key_is_refused_as_GetGrain_refuses_it(string key)
    {
        Assert.Throws<ArgumentException>(() => Silo.GetRequiredService<IGrainFactory>().GetGrain<IAcceleratorGrain>(key));
        Assert.Throws<ArgumentException>(() => Silo.GetRequiredService<StringKeyedGrainFactory<IAcceleratorGrain>>().Get(key));
    }

    [Fact]
    public async Task A_reference_reaches_its_grain()
    {
        var accelerators = Silo.GetRequiredService<StringKeyedGrainFactory<IAcceleratorGrain>>();

        // An accelerator nobody registered answers that it knows nothing: the call reached the accelerator grain.
        Assert.Null(await accelerators.Get("never-registered-accelerator").GetAsync());
    }
}
