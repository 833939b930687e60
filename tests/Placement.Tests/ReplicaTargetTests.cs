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
}
