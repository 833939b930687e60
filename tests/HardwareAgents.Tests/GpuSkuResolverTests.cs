using ControlPlane.HardwareAgents.Discovery;

namespace ControlPlane.HardwareAgents.Tests;

public class GpuSkuResolverTests
{
    private static GpuReading Gpu(string name, int index = 0) => new(index, $"GPU-{index}", name, 81559, 0, 0, 30, 70);

    [Theory]
    [InlineData("NVIDIA H100 80GB HBM3", "h100-sxm")]
    [InlineData("NVIDIA H200", "h200")]
    [InlineData("NVIDIA B200", "b200")]
    public void Known_names_map_to_their_sku(string name, string sku)
    {
        Assert.Equal(sku, GpuSkuResolver.Resolve([Gpu(name)], null));
    }

    [Theory]
    [InlineData("NVIDIA H100 PCIe")]
    [InlineData("NVIDIA H100 NVL")]
    [InlineData("NVIDIA A100-SXM4-80GB")]
    public void Parts_outside_the_catalogue_ask_for_an_explicit_sku(string name)
    {
        var error = Assert.Throws<HardwareDiscoveryException>(() => GpuSkuResolver.Resolve([Gpu(name)], null));

        Assert.Contains("--gpu-sku", error.Message);
        Assert.Equal("h100-sxm", GpuSkuResolver.Resolve([Gpu(name)], "h100-sxm"));
    }

    [Fact]
    public void A_node_with_mixed_models_is_refused()
    {
        var error = Assert.Throws<HardwareDiscoveryException>(() => GpuSkuResolver.Resolve([Gpu("NVIDIA H200"), Gpu("NVIDIA B200", 1)], null));

        Assert.Contains("mixes GPU models", error.Message);
    }
}
