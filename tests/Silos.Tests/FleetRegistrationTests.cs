using System.Text.Json;
using ControlPlane.Cli;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Silos.Tests;

/// <summary>A simulated fleet registers over real gRPC and is listed by the operator API and by cpctl.</summary>
public sealed class FleetRegistrationTests(ControlPlaneFixture plane) : IClassFixture<ControlPlaneFixture>, IAsyncLifetime
{
    private const string Prefix = "reg";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private SimulatedFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _fleet = await plane.StartSimulatedFleetAsync(new SimulatedFleetOptions { Wafers = 3, GpuNodes = 5, NamePrefix = Prefix, GpuSku = "h200" }, Wait);
        await Eventually.Until(() => _fleet.ConnectedCount == 8, Wait, "every simulated node's stream to be welcomed");
    }

    public async Task DisposeAsync() => await _fleet.DisposeAsync();

    [Fact]
    public async Task Every_simulated_accelerator_is_listed_with_its_hardware_and_live_telemetry()
    {
        var listed = await plane.ListAsync(Prefix);

        var wafers = listed.Where(a => a.HardwareClass == HardwareClass.WaferScale).ToList();
        var gpus = listed.Where(a => a.HardwareClass == HardwareClass.Gpu).ToList();
        Assert.Equal(3, wafers.Count);
        Assert.Equal(5, gpus.Count);
        Assert.All(wafers, a =>
        {
            Assert.Equal("cs3", a.Sku);
            Assert.Equal(MemoryKind.Sram, a.MemoryKind);
            Assert.Equal(44_000_000_000, a.MemoryBytes);
            Assert.Equal(21e15, a.MemoryBandwidthBytesPerSecond);
            Assert.StartsWith("wafer-scale/us-east/", a.Pool);
        });
        Assert.All(gpus, a =>
        {
            Assert.Equal("h200", a.Sku);
            Assert.Equal(8, a.GpuCount);
            Assert.Equal(8, a.Gpus.Select(g => g.Uuid).Distinct().Count());
            Assert.Equal(8 * 4.8e12, a.MemoryBandwidthBytesPerSecond, 1e6);
            Assert.Equal(a.Gpus.Sum(g => g.MemoryBytes), a.MemoryBytes);
            Assert.StartsWith("gpu/us-east/", a.Pool);
        });
        Assert.All(listed, a =>
        {
            Assert.NotNull(a.LastHeartbeatTime);
            Assert.Equal(HealthStatus.Healthy, a.Telemetry.Health);
            Assert.True(a.LeaseExpireTime.ToDateTimeOffset() > a.LastHeartbeatTime.ToDateTimeOffset());
        });
    }

    [Fact]
    public async Task Filters_select_by_class_pool_state_and_node()
    {
        var byClass = await plane.Fleet.ListAcceleratorsAsync(new ListAcceleratorsRequest { HardwareClass = HardwareClass.WaferScale, PageSize = 1000 }, plane.Operator);
        var byPool = await plane.Fleet.ListAcceleratorsAsync(new ListAcceleratorsRequest { Pool = "gpu/us-east/use1-az2", PageSize = 1000 }, plane.Operator);
        var byNode = await plane.Fleet.ListAcceleratorsAsync(new ListAcceleratorsRequest { NodeId = $"{Prefix}-gpu-001" }, plane.Operator);
        var lost = await plane.Fleet.ListAcceleratorsAsync(new ListAcceleratorsRequest { State = AcceleratorState.Lost, NodeId = $"{Prefix}-gpu-001" }, plane.Operator);

        Assert.Equal(3, byClass.Accelerators.Count(a => a.NodeId.StartsWith(Prefix)));
        Assert.All(byClass.Accelerators, a => Assert.Equal(HardwareClass.WaferScale, a.HardwareClass));
        Assert.NotEmpty(byPool.Accelerators);
        Assert.All(byPool.Accelerators, a => Assert.Equal("gpu/us-east/use1-az2", a.Pool));
        Assert.Equal($"{Prefix}-gpu-001", Assert.Single(byNode.Accelerators).AcceleratorId);
        Assert.Empty(lost.Accelerators);
        Assert.Equal(0, lost.TotalSize);
    }

    [Fact]
    public async Task Paging_returns_every_accelerator_once_in_id_order()
    {
        var seen = new List<string>();
        var request = new ListAcceleratorsRequest { PageSize = 3 };
        int pages = 0, total;
        do
        {
            var page = await plane.Fleet.ListAcceleratorsAsync(request, plane.Operator);
            Assert.InRange(page.Accelerators.Count, 1, 3);
            seen.AddRange(page.Accelerators.Select(a => a.AcceleratorId));
            total = page.TotalSize;
            request.PageToken = page.NextPageToken;
            pages++;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal(total, seen.Count);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal((int)Math.Ceiling(total / 3.0), pages);
    }

    [Fact]
    public async Task Show_returns_one_accelerator_with_its_gpus()
    {
        var accelerator = await plane.Fleet.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = $"{Prefix}-gpu-000" }, plane.Operator);

        Assert.Equal($"{Prefix}-gpu-000", accelerator.NodeId);
        Assert.Equal(Enumerable.Range(0, 8), accelerator.Gpus.Select(g => g.Index));
        Assert.All(accelerator.Gpus, g => Assert.Equal("NVIDIA H200", g.Name));
    }

    [Fact]
    public async Task Cpctl_lists_the_fleet_as_an_aligned_table()
    {
        var (exit, stdout, stderr) = await Cpctl("accelerators", "list", "--node", $"{Prefix}-wafer-001");
        var (allExit, all, _) = await Cpctl("accelerators", "list");

        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        var lines = stdout.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^ID\s+CLASS\s+SKU\s+POOL\s+STATE\s+UTIL\s+STREAMS\s+TOKENS/S\s+HEARTBEAT$", lines[0]);
        Assert.Matches($@"^{Prefix}-wafer-001-cs3\s+wafer-scale\s+cs3\s+wafer-scale/us-east/use1-az1\s+active\s+\d+%\s+\d+\s+[\d,]+\s+\d+s$", lines[1]);
        // Columns line up: every row starts its STATE cell where the header does.
        Assert.Equal(0, allExit);
        var allLines = all.TrimEnd().Split('\n');
        var stateColumn = allLines[0].IndexOf("STATE", StringComparison.Ordinal);
        Assert.All(allLines.Skip(1), l => Assert.Matches("^(active|registering|lost)", l[stateColumn..]));
        Assert.Equal(8, allLines.Count(l => l.StartsWith(Prefix)));
    }

    [Fact]
    public async Task Cpctl_json_output_carries_the_full_records()
    {
        var (exit, stdout, _) = await Cpctl("accelerators", "list", "--class", "gpu", "--output", "json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var ours = json.RootElement.GetProperty("accelerators").EnumerateArray()
            .Where(a => a.GetProperty("nodeId").GetString()!.StartsWith(Prefix)).ToList();
        Assert.Equal(5, ours.Count);
        Assert.All(ours, a =>
        {
            Assert.Equal("HARDWARE_CLASS_GPU", a.GetProperty("hardwareClass").GetString());
            Assert.Equal(8, a.GetProperty("gpus").GetArrayLength());
            Assert.Equal("ACCELERATOR_STATE_ACTIVE", a.GetProperty("state").GetString());
        });
    }

    [Fact]
    public async Task Cpctl_show_prints_the_details()
    {
        var (exit, stdout, _) = await Cpctl("accelerators", "show", $"{Prefix}-wafer-000-cs3");

        Assert.Equal(0, exit);
        Assert.Contains("SKU:            cs3", stdout);
        Assert.Contains("44.0 GB SRAM, 21,000.00 TB/s", stdout);
        Assert.Matches(@"State:\s+active since \d+s ago \(first heartbeat\)", stdout);
    }

    [Fact]
    public async Task Cpctl_pings_a_node_through_its_stream()
    {
        var (exit, stdout, stderr) = await Cpctl("nodes", "ping", $"{Prefix}-gpu-002");

        Assert.True(exit == 0, stderr);
        Assert.Matches($@"^{Prefix}-gpu-002 answered in \d+\.\d ms", stdout);
    }

    [Fact]
    public async Task Cpctl_without_a_token_says_how_to_get_one()
    {
        var (exit, _, stderr) = await CpctlWithEnvironment(_ => null, "accelerators", "list", "--endpoint", plane.GrpcAddress.ToString());

        Assert.Equal(2, exit);
        Assert.Contains("no token: pass --token or set CPCTL_TOKEN", stderr);
    }

    [Fact]
    public async Task Cpctl_with_a_viewer_token_can_list_but_not_ping()
    {
        var viewer = plane.Tokens.Issue(CallerRole.Viewer, "dashboard");
        var (listExit, _, _) = await CpctlWithEnvironment(Env(viewer), "accelerators", "list");
        var (pingExit, _, stderr) = await CpctlWithEnvironment(Env(viewer), "nodes", "ping", $"{Prefix}-gpu-002");

        Assert.Equal(0, listExit);
        Assert.Equal(1, pingExit);
        Assert.Contains("PERMISSION_DENIED", stderr);
        Assert.Contains("needs a token with role operator", stderr);
    }

    [Fact]
    public async Task Cpctl_reports_an_unreachable_endpoint()
    {
        var port = FreePorts.Take(1)[0];
        var (exit, _, stderr) = await CpctlWithEnvironment(Env(plane.Tokens.Issue(CallerRole.Operator, "x")),
            "accelerators", "list", "--endpoint", $"http://127.0.0.1:{port}", "--timeout", "5");

        Assert.Equal(1, exit);
        Assert.Contains("UNAVAILABLE", stderr);
        Assert.Contains("check --endpoint or CPCTL_ENDPOINT", stderr);
    }

    [Fact]
    public async Task Cpctl_help_explains_every_command()
    {
        var (rootExit, root, _) = await Cpctl("--help");
        var (listExit, list, _) = await Cpctl("accelerators", "list", "--help");

        Assert.Equal(0, rootExit);
        Assert.Contains("accelerators", root);
        Assert.Contains("nodes", root);
        Assert.Equal(0, listExit);
        Assert.Contains("--class <gpu|wafer-scale>", list);
        Assert.Contains("CPCTL_TOKEN", list);
    }

    [Fact]
    public async Task Cpctl_rejects_bad_flags_before_calling()
    {
        var (exit, _, stderr) = await Cpctl("accelerators", "list", "--state", "sleepy");

        Assert.NotEqual(0, exit);
        Assert.Contains("sleepy", stderr);
    }

    private Func<string, string?> Env(string token) => name => name switch
    {
        "CPCTL_ENDPOINT" => plane.GrpcAddress.ToString(),
        "CPCTL_TOKEN" => token,
        _ => null,
    };

    private Task<(int Exit, string Stdout, string Stderr)> Cpctl(params string[] args) =>
        CpctlWithEnvironment(Env(plane.Tokens.Issue(CallerRole.Operator, "test-operator")), args);

    private static async Task<(int Exit, string Stdout, string Stderr)> CpctlWithEnvironment(Func<string, string?> environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CpctlApp.RunAsync(args, stdout, stderr, environment, CancellationToken.None);
        return (exit, stdout.ToString().Replace("\r\n", "\n"), stderr.ToString());
    }
}
