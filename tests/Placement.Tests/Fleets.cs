using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Placement.Tests;

/// <summary>Deployments and replica sets the placement tests share.</summary>
internal static class Fleets
{
    public static readonly HardwareSku Cs3 = Sku("cs3");
    public static readonly HardwareSku H200 = Sku("h200");

    public static HardwareSku Sku(string name) => HardwareCatalogue.Default.TryGet(name, out var sku) ? sku : throw new InvalidOperationException(name);

    public static readonly ModelShape FastCoder = new(32_000_000_000, 64, ModelPrecision.Bf16, ModelShape.GroupedQueryKvBytesPerToken(64, 8, 128));

    /// <summary>A fast coding model allowed on wafers and GPUs, entitled to the pro plan only.</summary>
    public static DeploymentSpec FastCoderSpec(params HardwareClass[] classes) => new(
        "fast-coder",
        "fast-coder-32b",
        FastCoder,
        32_768,
        classes.Length == 0 ? [HardwareClass.WaferScale, HardwareClass.Gpu] : classes,
        1,
        4,
        new ServiceLevelObjective(TimeSpan.FromSeconds(1), 100, TimeSpan.FromMinutes(30)),
        ["pro"],
        LatencyClass.Interactive);

    /// <summary>Routes with <paramref name="wafers"/> ready wafer replicas and <paramref name="gpus"/> ready GPU replicas.</summary>
    public static DeploymentRoutes Routes(DeploymentSpec spec, int wafers, int gpus, int slots = 8)
    {
        var routes = new DeploymentRoutes(spec);
        var model = PerformanceModel.Default;
        for (var i = 0; i < wafers; i++)
        {
            routes.Upsert(Ready(new RoutableReplica($"w{i}", spec.Name, HardwareClass.WaferScale, "wafer-scale/r/z", [$"wafer-{i}"],
                model.Predict(spec.Shape, Cs3, 2), slots, spec.ContextWindowTokens)));
        }

        for (var i = 0; i < gpus; i++)
        {
            routes.Upsert(Ready(new RoutableReplica($"g{i}", spec.Name, HardwareClass.Gpu, "gpu/r/z", [$"gpu-node-{i}"],
                model.Predict(spec.Shape, H200, 4), slots, spec.ContextWindowTokens)));
        }

        return routes;
    }

    public static PlacementEngine Engine(int seed = 7) => new(PlacementPipeline.Default(), new PlacementEngineOptions(), new Random(seed));

    public static PlacementRequest Turn(string session = "s1", ReasoningEffort effort = ReasoningEffort.Low, string plan = "pro", string? sticky = null) =>
        new(session, "tenant-a", plan, "fast-coder", effort, PromptTokens: 2_000, StickyReplicaId: sticky);

    private static RoutableReplica Ready(RoutableReplica replica)
    {
        replica.Ready = true;
        return replica;
    }
}
