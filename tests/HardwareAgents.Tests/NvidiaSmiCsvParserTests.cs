using ControlPlane.HardwareAgents.Discovery;

namespace ControlPlane.HardwareAgents.Tests;

public class NvidiaSmiCsvParserTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "nvidia-smi", name));

    [Fact]
    public void Parses_an_8_gpu_H100_node_under_load()
    {
        var gpus = NvidiaSmiCsvParser.Parse(Fixture("h100-8gpu.csv"));

        Assert.Equal(8, gpus.Count);
        Assert.Equal(Enumerable.Range(0, 8), gpus.Select(g => g.Index));
        Assert.All(gpus, g => Assert.Equal("NVIDIA H100 80GB HBM3", g.Name));
        Assert.Equal("GPU-5b1f3a6e-0c4d-2a8f-8e1b-6f2d9c0a7e31", gpus[0].Uuid);
        Assert.Equal(81559L * 1024 * 1024, gpus[0].MemoryTotalBytes);
        Assert.Equal(74213, gpus[0].MemoryUsedMiB);
        Assert.Equal(97, gpus[0].UtilizationPercent);
        Assert.Equal(64, gpus[0].TemperatureCelsius);
        Assert.Equal(652.31, gpus[0].PowerDrawWatts);
    }

    [Fact]
    public void Parses_a_single_idle_H200()
    {
        var gpu = Assert.Single(NvidiaSmiCsvParser.Parse(Fixture("h200-1gpu-idle.csv")));

        Assert.Equal("NVIDIA H200", gpu.Name);
        Assert.Equal(143771, gpu.MemoryTotalMiB);
        Assert.Equal(0, gpu.UtilizationPercent);
    }

    [Fact]
    public void Fields_reported_as_not_available_become_null()
    {
        var gpus = NvidiaSmiCsvParser.Parse(Fixture("b200-8gpu-na.csv"));

        Assert.Equal(8, gpus.Count);
        Assert.All(gpus, g => Assert.Null(g.PowerDrawWatts));
        Assert.Null(gpus[4].UtilizationPercent);
        Assert.Null(gpus[5].TemperatureCelsius);
        Assert.Null(gpus[6].MemoryUsedMiB);
        Assert.Equal(183359, gpus[7].MemoryTotalMiB);
    }

    [Fact]
    public void Windows_line_endings_and_blank_lines_are_accepted()
    {
        var gpus = NvidiaSmiCsvParser.Parse("\n" + Fixture("h200-1gpu-crlf.csv") + "\r\n\n");

        Assert.Single(gpus);
        Assert.Equal(74.55, gpus[0].PowerDrawWatts);
    }

    [Fact]
    public void Empty_output_means_no_gpus()
    {
        Assert.Empty(NvidiaSmiCsvParser.Parse(""));
    }

    [Theory]
    [InlineData("0, GPU-x, NVIDIA H100 80GB HBM3, 81559, 0, 0, 30", "line 1: expected 8 comma-separated fields")]
    [InlineData("zero, GPU-x, NVIDIA H100 80GB HBM3, 81559, 0, 0, 30, 70", "line 1: index is 'zero'")]
    [InlineData("0, GPU-x, NVIDIA H100 80GB HBM3, [N/A], 0, 0, 30, 70", "line 1: memory.total is [N/A]")]
    [InlineData("0, GPU-x, NVIDIA H100 80GB HBM3, -5, 0, 0, 30, 70", "line 1: memory.total is '-5'")]
    [InlineData("0, [N/A], NVIDIA H100 80GB HBM3, 81559, 0, 0, 30, 70", "line 1: uuid is missing")]
    [InlineData("0, GPU-x, NVIDIA H100 80GB HBM3, 81559, 0, lots, 30, 70", "line 1: utilization.gpu is 'lots'")]
    [InlineData("0, GPU-a, NVIDIA H200, 143771, 0, 0, 30, 70\n1, GPU-b, NVIDIA H200, 143771, 0, 0, 30, NaN", "line 2: power.draw is 'NaN'")]
    public void Malformed_output_names_the_line_and_field(string output, string expected)
    {
        var error = Assert.Throws<HardwareDiscoveryException>(() => NvidiaSmiCsvParser.Parse(output));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_uuid_reported_twice_is_refused()
    {
        var output = "0, GPU-same, NVIDIA H200, 143771, 0, 0, 30, 70\n1, GPU-same, NVIDIA H200, 143771, 0, 0, 30, 70";

        var error = Assert.Throws<HardwareDiscoveryException>(() => NvidiaSmiCsvParser.Parse(output));

        Assert.Contains("GPU-same", error.Message);
    }
}
