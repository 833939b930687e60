using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;
using static ControlPlane.Placement.Tests.Fleets;

namespace ControlPlane.Placement.Tests;

public sealed class ReplicaPlannerTests
{
    private static readonly ReplicaPlanner Planner = new(PerformanceModel.Default);

    private static AcceleratorCapacity Wafer(string id, string zone, string rack = "r1", bool schedulable = true, int free = 1) =>
        new(id, Cs3, zone, $"{zone}/{rack}", 1, free, schedulable);

    private static AcceleratorCapacity GpuNode(string id, string zone, int free = 8, string rack = "r1") =>
        new(id, H200, zone, $"{zone}/{rack}", 8, free, true);

    // No decode-speed SLO, so replica shapes here are set by memory alone.
    private static DeploymentSpec Spec(ModelShape shape, params HardwareClass[] classes) =>
        FastCoderSpec(classes) with { Shape = shape, ContextWindowTokens = 8_192, Slo = new ServiceLevelObjective(TimeSpan.FromSeconds(1), 0, TimeSpan.FromMinutes(30)) };

    [Fact]
    public void Replicas_of_a_one_wafer_model_spread_across_zones()
    {
        var fleet = new[] { Wafer("a1", "z-a"), Wafer("a2", "z-a"), Wafer("b1", "z-b"), Wafer("b2", "z-b") };

        var plan = Planner.Plan(Spec(ModelShape.Llama31_8B(), HardwareClass.WaferScale), 2, fleet, []);

        Assert.Equal(0, plan.Unplaced);
        Assert.Equal(["z-a", "z-b"], plan.Assignments.Select(a => a.Zone).Order());
        Assert.All(plan.Assignments, a => Assert.Single(a.AcceleratorIds));
    }

    [Fact]
    public void A_model_larger_than_one_wafer_spans_wafers_of_one_zone()
    {
        var fleet = new[] { Wafer("a1", "z-a"), Wafer("a2", "z-a"), Wafer("a3", "z-a"), Wafer("b1", "z-b"), Wafer("b2", "z-b"), Wafer("b3", "z-b"), Wafer("b4", "z-b") };

        var plan = Planner.Plan(Spec(ModelShape.Llama31_70B(), HardwareClass.WaferScale), 1, fleet, []);

        var replica = Assert.Single(plan.Assignments);
        Assert.Equal("z-b", replica.Zone);
        Assert.Equal(4, replica.AcceleratorIds.Count);
        Assert.True(replica.StreamSlots >= 1);
    }

    [Fact]
    public void An_unplaceable_deployment_says_how_many_wafers_it_needs_and_what_each_zone_has()
    {
        var fleet = new[] { Wafer("a1", "z-a"), Wafer("a2", "z-a"), Wafer("b1", "z-b"), Wafer("b2", "z-b", schedulable: false) };

        var plan = Planner.Plan(Spec(ModelShape.Llama31_70B(), HardwareClass.WaferScale), 2, fleet, []);

        Assert.Equal(2, plan.Unplaced);
        Assert.Contains(plan.Reasons, r => r.Contains("need 4 free cs3 wafers in one zone") && r.Contains("z-a has 2"));
        Assert.Contains(plan.Reasons, r => r.Contains("z-b has 1"));
    }

    [Fact]
    public void Gpu_replicas_take_a_power_of_two_of_one_nodes_gpus_best_fit_and_spread()
    {
        var fleet = new[] { GpuNode("n1", "z-a", free: 8), GpuNode("n2", "z-a", free: 4), GpuNode("n3", "z-b", free: 8) };

        var plan = Planner.Plan(Spec(ModelShape.Llama31_70B(), HardwareClass.Gpu), 3, fleet, []);

        Assert.Equal(0, plan.Unplaced);
        Assert.All(plan.Assignments, a => Assert.Equal(2, a.DevicesPerAccelerator)); // 168 GB over 141 GB GPUs
        Assert.Equal("n2", plan.Assignments[0].AcceleratorIds[0]); // best fit in the emptiest zone... z-a and z-b tie, n2 leaves least
        Assert.Equal("z-b", plan.Assignments[1].Zone); // then the other zone
    }

    [Fact]
    public void A_model_too_large_for_any_node_says_so()
    {
        var huge = ModelShape.Llama31_405B(); // 972 GB with headroom: 7 H200s -> 8, but nodes here have 4
        var fleet = new[] { new AcceleratorCapacity("n1", H200, "z-a", "z-a/r1", 4, 4, true) };

        var plan = Planner.Plan(Spec(huge, HardwareClass.Gpu), 1, fleet, []);

        Assert.Equal(1, plan.Unplaced);
        var reason = Assert.Single(plan.Reasons);
        Assert.Contains("do not fit one node", reason);
        Assert.Contains("8 GPUs needed, nodes have 4", reason);
    }

    [Fact]
    public void Falls_back_to_the_next_allowed_class_and_reports_every_class_when_nothing_fits()
    {
        var fleet = new[] { Wafer("a1", "z-a", free: 0), GpuNode("n1", "z-a") };

        var placed = Planner.Plan(Spec(ModelShape.Llama31_8B(), HardwareClass.WaferScale, HardwareClass.Gpu), 2, fleet, []);

        Assert.Equal(2, placed.Assignments.Count);
        Assert.All(placed.Assignments, a => Assert.Equal(HardwareClass.Gpu, a.Sku.Class));

        var none = Planner.Plan(Spec(ModelShape.Llama31_8B(), HardwareClass.WaferScale, HardwareClass.Gpu), 20, fleet, []);
        Assert.Equal(12, none.Unplaced); // 8 single-GPU replicas fit on the node
        Assert.Equal(2, none.Reasons.Count);
        Assert.StartsWith("wafer-scale:", none.Reasons[0]);
        Assert.StartsWith("gpu:", none.Reasons[1]);
    }

    [Fact]
    public void New_replicas_avoid_the_zones_of_existing_ones()
    {
        var fleet = new[] { Wafer("a1", "z-a"), Wafer("b1", "z-b") };
        var existing = new[] { new ExistingReplica("z-a", ["z-a/r0"], ["a0"]) };

        var plan = Planner.Plan(Spec(ModelShape.Llama31_8B(), HardwareClass.WaferScale), 1, fleet, existing);

        Assert.Equal("b1", Assert.Single(plan.Assignments).AcceleratorIds[0]);
    }

    [Fact]
    public void A_gpu_replica_is_sized_so_several_streams_at_once_still_meet_the_slo_speed()
    {
        // 32B BF16 on H200: one GPU holds it and decodes one stream at ~52 tokens/s, just over a 50 tokens/s
        // SLO; with eight streams batched it would fall under it, so the replica takes two GPUs (~104 alone).
        var fastCoder = new ModelShape(32_000_000_000, 64, ModelPrecision.Bf16, 262_144);
        var spec = Spec(fastCoder, HardwareClass.Gpu) with { Slo = new ServiceLevelObjective(TimeSpan.FromSeconds(1), 50, TimeSpan.FromMinutes(30)) };
        var model = PerformanceModel.Default;

        var replica = Planner.Plan(spec, 1, [GpuNode("n1", "z-a")], []).Assignments.Single();
        HardwareCatalogue.Default.TryGet("h200", out var h200);

        Assert.True(model.Predict(fastCoder, h200, 1).SingleStreamTokensPerSecond > 50);
        Assert.True(model.Predict(fastCoder, h200, 1).TokensPerSecondPerStream(model.Calibration.SloStreams) < 50);
        Assert.Equal(2, replica.DevicesPerAccelerator);
    }

    [Fact]
    public void A_gpu_replica_widens_until_one_stream_meets_the_slo_speed()
    {
        var largeCoder = new ModelShape(400_000_000_000, 96, ModelPrecision.Fp8, 196_608);
        var fleet = new[] { GpuNode("n1", "z-a"), GpuNode("n2", "z-b") };
        var relaxed = Spec(largeCoder, HardwareClass.Gpu) with { Slo = new ServiceLevelObjective(TimeSpan.FromSeconds(5), 20, TimeSpan.FromMinutes(30)) };
        var demanding = relaxed with { Slo = relaxed.Slo with { MinTokensPerSecond = 60 } };

        var memoryBound = Planner.Plan(relaxed, 1, fleet, []);
        var sloBound = Planner.Plan(demanding, 1, fleet, []);

        Assert.Equal(4, memoryBound.Assignments.Single().DevicesPerAccelerator); // 480 GB over 141 GB GPUs: 4 hold it (~34 tok/s)
        Assert.Equal(8, sloBound.Assignments.Single().DevicesPerAccelerator); // 60 tok/s needs the whole node (~67 tok/s)
    }
}
