using ControlPlane.HardwareAgents.Discovery;
using ControlPlane.HardwareAgents.Telemetry;

namespace ControlPlane.HardwareAgents.Tests;

/// <summary>Runs the probe against stand-in nvidia-smi executables that print real output shapes, or fail as the real one does.</summary>
public sealed class NvidiaSmiProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fake-nvidia-smi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FakeNvidiaSmi(string body)
    {
        var path = Path.Combine(_dir, $"nvidia-smi-{Guid.NewGuid():N}");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    [Fact]
    public async Task Passes_the_query_arguments_and_parses_what_nvidia_smi_prints()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nvidia-smi", "h100-8gpu.csv");
        var expectedArgs = string.Join(" ", NvidiaSmiCsvParser.Arguments);
        var fake = FakeNvidiaSmi($"""
            if [ "$*" != "{expectedArgs}" ]; then echo "unexpected arguments: $*" >&2; exit 9; fi
            cat '{fixture}'
            """);

        var gpus = await new NvidiaSmiProbe(fake).QueryAsync(default);

        Assert.Equal(8, gpus.Count);
    }

    [Fact]
    public async Task A_missing_executable_says_how_to_proceed()
    {
        var error = await Assert.ThrowsAsync<HardwareDiscoveryException>(() =>
            new NvidiaSmiProbe(Path.Combine(_dir, "no-such-nvidia-smi")).QueryAsync(default));

        Assert.Contains("was not found", error.Message);
        Assert.Contains("--no-gpus", error.Message);
    }

    [Fact]
    public async Task A_failing_driver_reports_nvidia_smis_own_reason_and_exit_code()
    {
        var fake = FakeNvidiaSmi("""
            echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
            exit 9
            """);

        var error = await Assert.ThrowsAsync<HardwareDiscoveryException>(() => new NvidiaSmiProbe(fake).QueryAsync(default));

        Assert.Contains("exit code 9", error.Message);
        Assert.Contains("couldn't communicate with the NVIDIA driver", error.Message);
    }

    [Fact]
    public async Task A_hung_nvidia_smi_is_killed_at_the_timeout()
    {
        var fake = FakeNvidiaSmi("sleep 30");

        var error = await Assert.ThrowsAsync<HardwareDiscoveryException>(() =>
            new NvidiaSmiProbe(fake, TimeSpan.FromMilliseconds(300)).QueryAsync(default));

        Assert.Contains("did not finish", error.Message);
    }

    [Fact]
    public async Task Telemetry_from_nvidia_smi_summarises_the_node()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nvidia-smi", "h100-8gpu.csv");
        var source = new NvidiaSmiTelemetrySource("gpu-node-1", new NvidiaSmiProbe(FakeNvidiaSmi($"cat '{fixture}'")));

        var sample = (await source.SampleAsync(default))["gpu-node-1"];

        Assert.InRange(sample.Utilization, 0.96, 0.98);
        Assert.Equal(68, sample.TemperatureCelsius);
        Assert.InRange(sample.PowerWatts, 5215, 5216);
        Assert.Equal(Contracts.V1.HealthStatus.Healthy, sample.Health);
        Assert.Equal((81559L * 8 - (74213 + 74213 + 74209 + 74211 + 74215 + 74208 + 74212 + 74210)) * 1024 * 1024, sample.FreeMemoryBytes);
    }

    [Fact]
    public async Task Telemetry_reports_unhealthy_when_nvidia_smi_fails()
    {
        var source = new NvidiaSmiTelemetrySource("gpu-node-1", new NvidiaSmiProbe(FakeNvidiaSmi("exit 15")));

        var sample = (await source.SampleAsync(default))["gpu-node-1"];

        Assert.Equal(Contracts.V1.HealthStatus.Unhealthy, sample.Health);
    }

    [Fact]
    public async Task Discovery_builds_one_gpu_node_spec_and_the_wafer_systems_of_the_inventory()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nvidia-smi", "h200-1gpu-idle.csv");
        var inventory = Path.Combine(_dir, "wafers.json");
        await File.WriteAllTextAsync(inventory, """{ "systems": [ { "id": "cs3-a01", "region": "us-east", "zone": "use1-az1" } ] }""");

        var (specs, telemetry) = await NodeDiscovery.DiscoverAsync(new NodeDiscoveryOptions
        {
            NodeId = "node-7",
            Region = "us-east",
            Zone = "use1-az2",
            NvidiaSmi = FakeNvidiaSmi($"cat '{fixture}'"),
            WaferInventoryPath = inventory,
        }, default);
        var samples = await telemetry.SampleAsync(default);

        Assert.Equal(["node-7", "cs3-a01"], specs.Select(s => s.AcceleratorId));
        Assert.Equal("h200", specs[0].Sku);
        Assert.Equal(143771L * 1024 * 1024, specs[0].MemoryBytes);
        Assert.Equal(Contracts.V1.HardwareClass.WaferScale, specs[1].HardwareClass);
        Assert.Equal(WaferInventory.DefaultSramBytes, specs[1].MemoryBytes);
        Assert.Equal(["cs3-a01", "node-7"], samples.Keys.Order());
    }

    [Fact]
    public async Task Discovery_with_nothing_to_register_says_so()
    {
        var error = await Assert.ThrowsAsync<HardwareDiscoveryException>(() => NodeDiscovery.DiscoverAsync(
            new NodeDiscoveryOptions { NodeId = "n", Region = "r", Zone = "z", NvidiaSmi = FakeNvidiaSmi("true") }, default));

        Assert.Contains("found no accelerators", error.Message);
    }
}
