using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;

namespace ControlPlane.Placement.Tests;

public class ReplicaTargetTests
{
    private static ReplicaLoadSample[] Loads(params int[] active) => active.Select(a => new ReplicaLoadSample(a, 10)).ToArray();

    [Theory]
    [InlineData(new[] { 9 }, 2, 3, 2)]          // busy, below desired: desired wins
    [InlineData(new[] { 8, 8 }, 2, 4, 3)]       // 80% busy: one more, not a jump to the maximum
    [InlineData(new[] { 8, 8, 10 }, 2, 3, 3)]   // at the maximum: stays
    [InlineData(new[] { 5, 5, 5 }, 2, 4, 3)]    // between the thresholds: keeps what it has
    [InlineData(new[] { 1, 1, 1 }, 2, 4, 2)]    // quiet: one fewer, never below desired
    [InlineData(new[] { 10, 10 }, 2, 0, 2)]     // no maximum: never scales on load
    public void Scales_one_step_at_a_time_between_desired_and_max(int[] active, int desired, int max, int expected) =>
        Assert.Equal(expected, ReplicaTarget.For(desired, max, Loads(active), 0.8, 0.4));

    [Fact]
    public void A_loading_replica_counts_with_its_slots_so_one_burst_adds_one_replica()
    {
        var burst = Loads(9, 9);
        var afterOneAdded = Loads(9, 9, 0);

        Assert.Equal(3, ReplicaTarget.For(2, 5, burst, 0.8, 0.4));
        Assert.Equal(3, ReplicaTarget.For(2, 5, afterOneAdded, 0.8, 0.4));
    }

    [Fact]
    public void An_interactive_replica_counts_the_streams_that_keep_the_slo_speed_as_its_slots()
    {
        var spec = Fleets.FastCoderSpec(HardwareClass.Gpu);
        var gpu = PerformanceModel.Default.Predict(spec.Shape, Fleets.H200, 4);
        var keepingSlo = gpu.StreamsAtSpeed(spec.Slo.MinTokensPerSecond, 1_000);

        var idle = ReplicaTarget.SampleOf(spec, gpu, 0, 1_000);
        var beyond = ReplicaTarget.SampleOf(spec, gpu, keepingSlo + 5, 1_000);
        var longJobs = ReplicaTarget.SampleOf(spec with { DefaultLatencyClass = LatencyClass.LongHorizon }, gpu, keepingSlo + 5, 1_000);

        Assert.InRange(keepingSlo, 1, 999);
        Assert.Equal(new ReplicaLoadSample(0, keepingSlo), idle);
        Assert.Equal(new ReplicaLoadSample(keepingSlo, keepingSlo), beyond); // streams past the SLO's count it as full, not over-full
        Assert.Equal(new ReplicaLoadSample(keepingSlo + 5, 1_000), longJobs);
        Assert.Equal(2, ReplicaTarget.For(1, 2, [beyond], 0.8, 0.4));
    }

    [Fact]
    public void Scaling_in_is_judged_as_if_the_largest_replica_went_so_replicas_of_different_sizes_do_not_flap()
    {
        // A full two-wafer replica (11 slots) and a GPU replica with 9 of its 67 in use: dropping the small
        // one would leave 20 streams on 67 slots (30%), but the least busy one, the GPU replica, is what a
        // scale-in retires, leaving 20 streams on 11 slots and a scale-out at the next reconcile.
        ReplicaLoadSample[] mixed = [new(11, 11), new(9, 67)];
        ReplicaLoadSample[] quiet = [new(2, 11), new(1, 67)];

        Assert.Equal(2, ReplicaTarget.For(1, 3, mixed, 0.8, 0.4));
        Assert.Equal(1, ReplicaTarget.For(1, 3, quiet, 0.8, 0.4));
    }
}
