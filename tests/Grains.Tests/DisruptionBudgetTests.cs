using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Replicas;
using ControlPlane.Placement.Replicas;

namespace ControlPlane.Grains.Tests;

public sealed class DisruptionBudgetTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);

    private static ReplicaRecord Replica(string id, string wafer, ReplicaState state = ReplicaState.Ready) =>
        new() { ReplicaId = id, AcceleratorIds = [wafer], NodeIds = ["n-" + wafer], State = state };

    private static AcceleratorView View(string wafer, AcceleratorState state, string? heldReplica = null) =>
        new(Registrations.Wafer(wafer, "n-" + wafer), state, "", AcceleratorTelemetry.None, Now, Now, Now, Now, Now,
            heldReplica is null ? [] : [new ReplicaLoad(heldReplica, "d", 1, 10, 0, true, Held: true)]);

    private static Dictionary<string, AcceleratorView> Views(params AcceleratorView[] views) =>
        views.ToDictionary(v => v.AcceleratorId, StringComparer.Ordinal);

    [Fact]
    public void A_replica_may_go_while_the_minimum_of_ready_replicas_keeps_taking_turns()
    {
        var replicas = new List<ReplicaRecord> { Replica("d-0", "w1"), Replica("d-1", "w2") };
        var views = Views(View("w1", AcceleratorState.Draining), View("w2", AcceleratorState.Active));

        var answer = new DisruptionBudget("d").Decide(replicas[0], force: false, minReplicas: 1, replicas, views, null);

        Assert.True(answer.Granted);
        Assert.Equal(1, answer.ReadyLeft);
    }

    [Fact]
    public void The_last_ready_replica_is_held_and_the_hold_says_why_and_what_is_being_done()
    {
        var replicas = new List<ReplicaRecord> { Replica("d-0", "w1"), Replica("d-1", "w2", ReplicaState.Loading) };
        var views = Views(View("w1", AcceleratorState.Draining), View("w2", AcceleratorState.Active));
        var budget = new DisruptionBudget("d");

        var loading = budget.Decide(replicas[0], force: false, minReplicas: 1, replicas, views, null);
        var nothingPlaced = budget.Decide(replicas[0], force: false, minReplicas: 1, [replicas[0]], views, "1 of 1 missing replica(s) cannot be placed");

        Assert.False(loading.Granted);
        Assert.Equal("deployment d keeps at least 1 ready replica(s) (its disruption budget); 0 would be left, 1 replacement(s) loading", loading.HoldReason);
        Assert.EndsWith("no replacement placed yet: 1 of 1 missing replica(s) cannot be placed", nothingPlaced.HoldReason);
    }

    [Fact]
    public void A_forced_drain_takes_the_last_replica()
    {
        var replicas = new List<ReplicaRecord> { Replica("d-0", "w1") };

        var answer = new DisruptionBudget("d").Decide(replicas[0], force: true, minReplicas: 1, replicas, Views(View("w1", AcceleratorState.Draining)), null);

        Assert.True(answer.Granted);
    }

    [Fact]
    public void Two_drains_asking_at_once_cannot_both_take_the_last_spare_even_before_the_index_shows_the_first()
    {
        var replicas = new List<ReplicaRecord> { Replica("d-0", "w1"), Replica("d-1", "w2") };
        // Both accelerators draining, and the index still shows both replicas held (taking turns).
        var views = Views(View("w1", AcceleratorState.Draining, heldReplica: "d-0"), View("w2", AcceleratorState.Draining, heldReplica: "d-1"));
        var budget = new DisruptionBudget("d");

        var first = budget.Decide(replicas[0], false, 1, replicas, views, null);
        var second = budget.Decide(replicas[1], false, 1, replicas, views, null);
        var firstAgain = budget.Decide(replicas[0], false, 1, replicas, views, null);

        Assert.True(first.Granted);
        Assert.False(second.Granted);
        Assert.True(firstAgain.Granted); // a grant is not taken back
    }

    [Fact]
    public void A_grant_ends_when_its_replica_is_back_on_active_hardware()
    {
        var replicas = new List<ReplicaRecord> { Replica("d-0", "w1"), Replica("d-1", "w2") };
        var budget = new DisruptionBudget("d");
        budget.Decide(replicas[0], false, 1, replicas, Views(View("w1", AcceleratorState.Draining, "d-0"), View("w2", AcceleratorState.Active)), null);

        // The first drain was resumed; now the other accelerator drains and its replica may go.
        var answer = budget.Decide(replicas[1], false, 1, replicas, Views(View("w1", AcceleratorState.Active), View("w2", AcceleratorState.Draining, "d-1")), null);

        Assert.True(answer.Granted);
        Assert.Equal(1, answer.ReadyLeft);
    }
}
