using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;
using static ControlPlane.Placement.Tests.Fleets;

namespace ControlPlane.Placement.Tests;

public sealed class DeploymentReconcilerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);
    private static readonly ReconcileSettings Settings = new(0.8, 0.4, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(2));
    private static readonly DeploymentReconciler Reconciler = new(new ReplicaPlanner(PerformanceModel.Default), Settings);
    private static readonly AcceleratorCondition Active = new(AcceleratorStanding.Schedulable, "Active");

    // A one-wafer model with no decode-speed SLO, so slots are set by memory alone.
    private static DeploymentSpec Spec(int desired, int max = 0) =>
        FastCoderSpec(HardwareClass.WaferScale) with
        {
            Shape = ModelShape.Llama31_8B(),
            ContextWindowTokens = 8_192,
            Slo = new ServiceLevelObjective(TimeSpan.FromSeconds(1), 0, TimeSpan.FromMinutes(30)),
            MinReplicas = 0,
            DesiredReplicas = desired,
            MaxReplicas = max,
        };

    private static ReconciledReplica Replica(string id, string wafer, ReplicaState state = ReplicaState.Ready, int active = 0, int slots = 10, long order = 0,
        DateTimeOffset? loadingSince = null, DateTimeOffset? retiringSince = null, string message = "", string loadProblem = "") =>
        new(id, state, new ExistingReplica("z-a", ["z-a/r1"], [wafer]), slots, active, null, order, loadingSince, retiringSince, message, loadProblem);

    private static AcceleratorCapacity Wafer(string id, int free = 1, bool schedulable = true) => new(id, Cs3, "z-a", "z-a/r1", 1, free, schedulable);

    private static Dictionary<string, AcceleratorCondition> Hardware(params (string Id, AcceleratorCondition Condition)[] accelerators) =>
        accelerators.ToDictionary(a => a.Id, a => a.Condition, StringComparer.Ordinal);

    [Fact]
    public void A_deployment_short_of_replicas_places_the_missing_ones_on_free_hardware()
    {
        var plan = Reconciler.Plan(Spec(desired: 2), [Replica("d-0", "w1")], Hardware(("w1", Active), ("w2", Active)),
            [Wafer("w1", free: 0), Wafer("w2")], Now);

        Assert.Equal(2, plan.Wanted);
        Assert.Equal(1, plan.Serving);
        Assert.Equal(["w2"], Assert.Single(plan.Added).AcceleratorIds);
        Assert.Empty(plan.Problems);
        Assert.Empty(plan.Remove);
    }

    [Fact]
    public void Replicas_that_cannot_be_placed_are_reported_with_the_planners_reasons()
    {
        var plan = Reconciler.Plan(Spec(desired: 2), [Replica("d-0", "w1")], Hardware(("w1", Active)), [Wafer("w1", free: 0)], Now);

        Assert.Empty(plan.Added);
        Assert.Equal("1 of 1 missing replica(s) cannot be placed", plan.Problems[0]);
        Assert.True(plan.Problems.Count > 1, "the planner's reasons follow");
    }

    [Fact]
    public void A_deployment_with_what_it_wants_has_no_problems_to_report()
    {
        var plan = Reconciler.Plan(Spec(desired: 1), [Replica("d-0", "w1")], Hardware(("w1", Active)), [Wafer("w1", free: 0)], Now);

        Assert.Empty(plan.Problems);
        Assert.Empty(plan.Added);
        Assert.Empty(plan.Retire);
    }

    [Theory]
    [InlineData("Lost")]
    [InlineData("Drained")]
    [InlineData("Decommissioned")]
    public void A_replica_on_hardware_that_is_gone_is_removed_and_replaced(string state)
    {
        var plan = Reconciler.Plan(Spec(desired: 1), [Replica("d-0", "w1")],
            Hardware(("w1", new AcceleratorCondition(AcceleratorStanding.Gone, state)), ("w2", Active)), [Wafer("w1", schedulable: false), Wafer("w2")], Now);

        Assert.Equal(new ReplicaVerdict("d-0", $"accelerator 'w1' is {state}"), Assert.Single(plan.Remove));
        Assert.Equal(["w2"], Assert.Single(plan.Added).AcceleratorIds);
    }

    [Fact]
    public void A_replica_whose_accelerator_left_the_fleet_is_removed()
    {
        var plan = Reconciler.Plan(Spec(desired: 1), [Replica("d-0", "w1")], Hardware(), [], Now);

        Assert.Equal("accelerator 'w1' is no longer in the fleet", Assert.Single(plan.Remove).Reason);
    }

    [Fact]
    public void A_failed_replica_is_removed_with_the_agents_message()
    {
        var plan = Reconciler.Plan(Spec(desired: 1), [Replica("d-0", "w1", ReplicaState.Failed, message: "out of memory")], Hardware(("w1", Active)), [Wafer("w1", free: 0)], Now);

        Assert.Equal(new ReplicaVerdict("d-0", "out of memory"), Assert.Single(plan.Remove));
    }

    [Fact]
    public void A_replica_on_cordoned_or_draining_hardware_stays_but_does_not_count_so_a_replacement_is_placed()
    {
        var draining = new AcceleratorCondition(AcceleratorStanding.Unschedulable, "Draining");

        var plan = Reconciler.Plan(Spec(desired: 1), [Replica("d-0", "w1")], Hardware(("w1", draining), ("w2", Active)), [Wafer("w1", 0, false), Wafer("w2")], Now);

        Assert.Empty(plan.Remove);
        Assert.Equal(0, plan.Serving);
        Assert.Equal(["w2"], Assert.Single(plan.Added).AcceleratorIds);
    }

    [Fact]
    public void A_replica_loading_past_the_load_timeout_is_failed_and_removed_naming_why_its_load_stalled()
    {
        var replicas = new[]
        {
            Replica("d-0", "w1", ReplicaState.Loading, loadingSince: Now - TimeSpan.FromMinutes(15), loadProblem: "load command not acknowledged by node n1"),
            Replica("d-1", "w2", ReplicaState.Loading, loadingSince: Now - TimeSpan.FromMinutes(14)),
        };

        var plan = Reconciler.Plan(Spec(desired: 2), replicas, Hardware(("w1", Active), ("w2", Active)), [Wafer("w1", 0), Wafer("w2", 0)], Now);

        var failed = Assert.Single(plan.Fail);
        Assert.Equal("d-0", failed.ReplicaId);
        Assert.Equal("not ready 00:15:00 after loading started (load command not acknowledged by node n1)", failed.Reason);
        Assert.Equal(failed, Assert.Single(plan.Remove));
    }

    [Fact]
    public void A_busy_deployment_below_its_maximum_scales_out_by_one()
    {
        var replicas = new[] { Replica("d-0", "w1", active: 9), Replica("d-1", "w2", active: 8) };

        var plan = Reconciler.Plan(Spec(desired: 2, max: 4), replicas, Hardware(("w1", Active), ("w2", Active), ("w3", Active)), [Wafer("w1", 0), Wafer("w2", 0), Wafer("w3")], Now);

        Assert.Equal(3, plan.Wanted);
        Assert.Single(plan.Added);
    }

    [Fact]
    public void Scaling_in_retires_a_loading_replica_first_then_the_least_busy_then_the_newest()
    {
        var hardware = Hardware(("w1", Active), ("w2", Active), ("w3", Active), ("w4", Active));
        var capacity = new[] { Wafer("w1", 0), Wafer("w2", 0), Wafer("w3", 0), Wafer("w4", 0) };
        var ready = new[] { Replica("d-0", "w1", active: 1, order: 0), Replica("d-1", "w2", active: 0, order: 1), Replica("d-2", "w3", active: 0, order: 2) };

        var withLoading = Reconciler.Plan(Spec(desired: 3), [.. ready, Replica("d-3", "w4", ReplicaState.Loading, order: 3, loadingSince: Now)], hardware, capacity, Now);
        var readyOnly = Reconciler.Plan(Spec(desired: 2), ready, hardware, capacity, Now);

        Assert.Equal("d-3", Assert.Single(withLoading.Retire).ReplicaId);
        Assert.Equal("d-2", Assert.Single(readyOnly.Retire).ReplicaId); // idle like d-1, and newer
    }

    [Fact]
    public void A_retiring_replica_goes_when_its_work_is_done_or_its_placements_outlived_their_lease()
    {
        var hardware = Hardware(("w1", Active), ("w2", Active), ("w3", Active));
        var replicas = new[]
        {
            Replica("busy", "w1", ReplicaState.Retiring, active: 1, retiringSince: Now - TimeSpan.FromMinutes(1)),
            Replica("idle", "w2", ReplicaState.Retiring, active: 0, retiringSince: Now - TimeSpan.FromMinutes(1)),
            Replica("stale", "w3", ReplicaState.Retiring, active: 1, retiringSince: Now - TimeSpan.FromMinutes(2)),
        };

        var plan = Reconciler.Plan(Spec(desired: 0), replicas, hardware, [], Now);

        Assert.Equal(["idle", "stale"], plan.Remove.Select(r => r.ReplicaId));
        Assert.All(plan.Remove, r => Assert.Equal("scaled down", r.Reason));
        Assert.Equal(0, plan.Serving);
    }
}
