using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;
using ControlPlane.Simulator.Fleets;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Tests;

/// <summary>Fleets and requests for the simulator's tests.</summary>
internal static class TestFleets
{
    public const string Fleet = """
        {
          "pools": [
            { "name": "wafer", "sku": "cs3", "count": 4, "zones": ["z1", "z2"] },
            { "name": "gpu", "sku": "h200", "count": 6, "zones": ["z1", "z2"] }
          ],
          "deployments": [
            { "name": "fast", "parameters": 32e9, "layers": 64, "precision": "bf16", "kv_bytes_per_token": 262144,
              "context_window_tokens": 8192, "allowed_classes": ["wafer-scale", "gpu"], "replicas": 3,
              "slo": { "ttft_seconds": 1.0, "min_tokens_per_second": 100 } },
            { "name": "large", "parameters": 400e9, "layers": 126, "precision": "fp8", "kv_bytes_per_token": 516096,
              "context_window_tokens": 65536, "allowed_classes": ["gpu"], "replicas": 4,
              "slo": { "ttft_seconds": 5.0, "min_tokens_per_second": 20, "long_horizon_completion_minutes": 30 } }
          ],
          "routing": { "interactive": "fast", "long_horizon": "large" }
        }
        """;

    public static FleetFile File() => FleetFile.Parse(Fleet, "test-fleet.json");

    public static SimFleet Build() => SimFleet.Build(File(), HardwareCatalogue.Default, PerformanceModel.Default);

    /// <summary>
    /// One replica with one slot and a known speed (100 tokens/s, prefill 10,000 tokens/s, 0.1 s overhead,
    /// no batching): a single server, for queueing theory.
    /// </summary>
    public static SimFleet SingleServer()
    {
        HardwareCatalogue.Default.TryGet("h200", out var h200);
        var spec = new DeploymentSpec("one", "one", new ModelShape(8_000_000_000, 32, ModelPrecision.Bf16, 131_072), 1_000_000, [HardwareClass.Gpu], 0, 1,
            new ServiceLevelObjective(TimeSpan.FromMinutes(10), 1, TimeSpan.FromHours(10)), [], LatencyClass.Interactive);
        var performance = new ReplicaPerformance(HardwareClass.Gpu, 100, 1e9, 10_000, 0.1, 0);
        var assignment = new ReplicaAssignment(["node-0"], 8, h200, "z1", 1);
        return SimFleet.Of([new SimAccelerator("node-0", "gpu", h200, "z1", "z1/rack-0")], [spec], [new SimReplicaSpec("one-0", "one", assignment, performance)], "one", "one");
    }

    /// <summary>Poisson arrivals at <paramref name="rate"/> per second with exponential output lengths of mean <paramref name="meanOutput"/>.</summary>
    public static IReadOnlyList<SimRequest> Poisson(int count, double rate, double meanOutput, int prompt, string deployment, int seed)
    {
        var random = new Random(seed);
        var t = 0.0;
        var requests = new List<SimRequest>(count);
        for (var i = 0; i < count; i++)
        {
            t += -Math.Log(1 - random.NextDouble()) / rate;
            var output = Math.Max(1, (int)Math.Round(-meanOutput * Math.Log(1 - random.NextDouble())));
            requests.Add(new SimRequest(i, t, $"s-{i}", "t", prompt, output, [], LatencyClass.Interactive, deployment, "poisson"));
        }

        return requests;
    }
}
