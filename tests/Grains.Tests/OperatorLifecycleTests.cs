using ControlPlane.Placement.Replicas;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Replicas;
using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Sessions;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Grains.Tests;

/// <summary>Cordon, drain (budgets, deadline, many at once), resume, decommission and new hardware, on a real cluster.</summary>
[Collection(FleetClusterCollection.Name)]
public class OperatorLifecycleTests(FleetClusterFixture cluster)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private IGrainFactory Grains => cluster.Grains;

    private static SessionPlaceRequest Ask(string deployment, bool dryRun = false) =>
        new(new PlacementAsk("", "tenant-a", "pro", deployment, ReasoningEffort.Low, 1_000, 0, LatencyClass.Interactive, null, 0), dryRun);

    // What the operator API does: all accelerators accept, all are marked, then work moves.
    private async Task<AcceleratorOutcome[]> DrainAsync(TimeSpan? deadline = null, bool force = false, params string[] ids)
    {
        var command = Operators.Command(OperatorAction.Drain, "firmware", deadline, force);
        var accelerators = ids.Select(id => Grains.GetGrain<IAcceleratorGrain>(id)).ToArray();
        Assert.All(await Task.WhenAll(accelerators.Select(a => a.CheckAsync(command))), o => Assert.True(o.Accepted, o.Message));
        var outcomes = await Task.WhenAll(accelerators.Select(a => a.ApplyAsync(command)));
        await Task.WhenAll(accelerators.Select(a => a.MoveWorkAsync()));
        return outcomes;
    }

    private Task<AcceleratorView?> ViewOf(string id) => Grains.GetGrain<IAcceleratorGrain>(id).GetAsync();

    private Task<AcceleratorView?> UntilState(string id, AcceleratorState state, string what) =>
        Eventually.Until(() => ViewOf(id), v => v!.State == state, Wait, what);

    [Fact]
    public async Task An_idle_accelerator_drains_at_once_and_resume_returns_it_to_service()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        var id = fleet.AcceleratorIds[0];

        var drained = (await DrainAsync(ids: id)).Single();
        var resumed = await Grains.GetGrain<IAcceleratorGrain>(id).ApplyAsync(Operators.Command(OperatorAction.Resume, "firmware done"));

        Assert.Equal(AcceleratorState.Drained, drained.View!.State);
        Assert.Equal("alice", drained.View.Drain!.RequestedBy);
        Assert.NotNull(drained.View.Drain.CompletedAt);
        Assert.Equal(AcceleratorState.Active, resumed.View!.State);
        Assert.Null(resumed.View.Drain);
        Assert.Contains("resumed by alice", resumed.View.StateReason);
    }

    [Fact]
    public async Task Cordon_stops_new_sessions_but_leaves_the_replica_and_its_work_alone()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(1), 1);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");
        var running = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;

        var cordoned = await Grains.GetGrain<IAcceleratorGrain>(fleet.AcceleratorIds[0]).ApplyAsync(Operators.Command(OperatorAction.Cordon, ""));
        var refused = await Eventually.Until(async () => (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-new").PlaceAsync(Ask(ready.Definition.Name))).Result!,
            r => !r.Placed, Wait, "new sessions to be refused");
        var completed = await session.CompleteAsync("tenant-a", running.PlacementId, 100, 100);

        Assert.Equal(AcceleratorState.Cordoned, cordoned.View!.State);
        Assert.Single(cordoned.View.Replicas); // still hosted: cordon moves nothing
        Assert.NotEqual(RejectionReason.None, refused.Reason);
        Assert.Equal(SessionRefusal.None, completed.Refusal);
        Assert.Equal(ReplicaState.Ready, (await Grains.GetGrain<IDeploymentGrain>(ready.Definition.Name).GetAsync())!
            .Replicas.Single(r => r.ReplicaId == running.ReplicaId).State);
    }

    [Fact]
    public async Task A_drain_lets_running_work_finish_and_moves_the_sticky_session_at_its_next_turn()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 3);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(2), 2);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");
        var running = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;

        await DrainAsync(ids: running.AcceleratorId);
        var draining = await Eventually.Until(() => ViewOf(running.AcceleratorId),
            v => v!.Drain!.WaitingFor.All(w => !w.StartsWith("replica ", StringComparison.Ordinal)) && v.Drain.RemainingPlacements == 1,
            Wait, "the replica to be released (the other one is ready), leaving the running placement");
        var next = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;
        await session.CompleteAsync("tenant-a", running.PlacementId, 100, 100);
        var drained = await UntilState(running.AcceleratorId, AcceleratorState.Drained, "the drain to complete once the work finished");

        Assert.Equal(AcceleratorState.Draining, draining!.State);
        Assert.Equal(1, draining.Drain!.RemainingPlacements);
        Assert.True(next.Placed, next.Message);
        Assert.NotEqual(running.ReplicaId, next.ReplicaId);
        Assert.Equal($"moved from {running.ReplicaId}", (await session.GetAsync())!.History[^1].Note);
        Assert.Equal(0, drained!.Drain!.CutPlacements);

        // Drained hardware gives its replica up; the deployment places a replacement on the spare node.
        await Eventually.Until(Grains.GetGrain<IDeploymentGrain>(ready.Definition.Name).GetAsync,
            v => v!.Replicas.Count == 2 && v.Replicas.All(r => r.AcceleratorIds[0] != running.AcceleratorId), Wait, "the replica to be replaced");
    }

    [Fact]
    public async Task A_drain_waits_for_the_disruption_budget_until_a_replacement_is_ready_and_force_skips_it()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 2);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(1), 1); // min 1, desired 1: no spare
        var deployment = ready.Definition.Name;
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");
        var first = (await session.PlaceAsync(Ask(deployment))).Result!;
        await session.CompleteAsync("tenant-a", first.PlacementId, 10, 10);

        await DrainAsync(ids: first.AcceleratorId);
        var held = await Eventually.Until(() => ViewOf(first.AcceleratorId),
            v => v!.Drain!.WaitingFor.Any(w => w.Contains("disruption budget") && w.Contains("replacement(s) loading")), Wait, "the budget to hold the drain");
        var stays = (await session.PlaceAsync(Ask(deployment))).Result!; // its session still runs there
        await session.CompleteAsync("tenant-a", stays.PlacementId, 10, 10);
        var newcomer = (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-new").PlaceAsync(Ask(deployment, dryRun: true))).Result!;

        Assert.Equal(AcceleratorState.Draining, held!.State);
        Assert.True(Assert.Single(held.Replicas).Held);
        Assert.True(stays.Placed, stays.Message);
        Assert.Equal(first.ReplicaId, stays.ReplicaId);
        Assert.False(newcomer.Placed); // new sessions do not land on hardware being drained

        // The replacement the deployment placed on the other node becomes ready: the budget lets go.
        await fleet.ReportLoadedAsync(deployment);
        await UntilState(first.AcceleratorId, AcceleratorState.Drained, "the drain to complete once the replacement is ready");
        var moved = await Eventually.Until(async () => (await session.PlaceAsync(Ask(deployment))).Result!, r => r.Placed, Wait,
            "routers to see the replacement ready");

        Assert.NotEqual(first.ReplicaId, moved.ReplicaId);

        // A forced drain of the only replica does not wait.
        await session.CompleteAsync("tenant-a", moved.PlacementId, 10, 10);
        await DrainAsync(force: true, ids: moved.AcceleratorId);
        var gone = await UntilState(moved.AcceleratorId, AcceleratorState.Drained, "a forced drain to complete");
        Assert.True(gone!.Drain!.Force);
    }

    [Fact]
    public async Task At_the_deadline_remaining_work_is_cut_over_and_its_session_moves()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 2);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(2), 2);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");
        var running = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;

        // A long job whose gateway renews on time: the accelerator holds its slot for minutes, so only the
        // deadline can end it (a renewal loop on a busy test machine could miss a one-second lease).
        Assert.NotNull(await Grains.GetGrain<IAcceleratorGrain>(running.AcceleratorId).RenewSlotAsync(running.PlacementId, TimeSpan.FromMinutes(5)));

        await DrainAsync(deadline: TimeSpan.FromSeconds(1), ids: running.AcceleratorId);
        var drained = await UntilState(running.AcceleratorId, AcceleratorState.Drained, "the deadline to cut the work over");
        var next = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;

        Assert.Equal(1, drained!.Drain!.CutPlacements);
        Assert.Contains("deadline passed", drained.StateReason);
        Assert.True(next.Placed, next.Message);
        Assert.NotEqual(running.ReplicaId, next.ReplicaId);
    }

    [Fact]
    public async Task Draining_many_accelerators_at_once_moves_each_session_at_most_once()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 4);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(3), 3);
        var deployment = ready.Definition.Name;
        var sessions = Enumerable.Range(0, 12).Select(i => Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s{i}")).ToArray();
        var replicasSeen = sessions.Select(_ => new List<string>()).ToArray();

        async Task TurnAsync()
        {
            for (var i = 0; i < sessions.Length; i++)
            {
                var placed = (await sessions[i].PlaceAsync(Ask(deployment))).Result!;
                Assert.True(placed.Placed, placed.Message);
                replicasSeen[i].Add(placed.ReplicaId);
                await sessions[i].CompleteAsync("tenant-a", placed.PlacementId, 10, 10);
            }
        }

        await TurnAsync();
        var busiest = replicasSeen.Select(r => r[0]).GroupBy(r => r).OrderByDescending(g => g.Count()).Select(g => g.Key).Take(2).ToArray();
        var targets = ready.Replicas.Where(r => busiest.Contains(r.ReplicaId)).Select(r => r.AcceleratorIds[0]).ToArray();
        await DrainAsync(ids: targets);
        foreach (var target in targets)
        {
            await Eventually.Until(() => ViewOf(target), v => v!.Drain!.WaitingFor.All(w => !w.Contains("replica")), Wait, "both replicas to be released");
        }

        for (var round = 0; round < 3; round++)
        {
            await TurnAsync();
        }

        Assert.All(replicasSeen, seen => Assert.True(seen.Zip(seen.Skip(1)).Count(p => p.First != p.Second) <= 1, string.Join(" -> ", seen)));
        Assert.All(replicasSeen, seen => Assert.DoesNotContain(seen.Skip(1), r => busiest.Contains(r)));
        Assert.Contains(replicasSeen, seen => busiest.Contains(seen[0])); // some sessions did have to move
    }

    [Fact]
    public async Task Retried_requests_act_once_and_concurrent_commands_each_get_a_clear_outcome()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        var grain = Grains.GetGrain<IAcceleratorGrain>(fleet.AcceleratorIds[0]);
        var cordon = Operators.Command(OperatorAction.Cordon, "rack work", requestId: $"{fleet.Prefix}-cordon");

        var first = await grain.ApplyAsync(cordon);
        var retried = await grain.ApplyAsync(cordon);
        var reused = await grain.ApplyAsync(Operators.Command(OperatorAction.Resume, "rack work", requestId: $"{fleet.Prefix}-cordon"));
        var concurrent = await Task.WhenAll(
            grain.ApplyAsync(Operators.Command(OperatorAction.Drain, "a")),
            grain.ApplyAsync(Operators.Command(OperatorAction.Drain, "b")));

        Assert.True(first.Accepted);
        Assert.True(retried.Accepted);
        Assert.Equal(AcceleratorState.Cordoned, first.View!.State);
        Assert.Equal(AcceleratorRefusal.RequestIdReused, reused.Refusal);
        Assert.Equal(1, concurrent.Count(o => o.Accepted));
        var loser = concurrent.Single(o => !o.Accepted);
        Assert.Equal(AcceleratorRefusal.IllegalTransition, loser.Refusal);
        Assert.Contains("already", loser.Message);
    }

    [Fact]
    public async Task A_decommissioned_accelerator_refuses_its_agent_until_an_operator_adds_it_back()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        var id = fleet.AcceleratorIds[0];
        var grain = Grains.GetGrain<IAcceleratorGrain>(id);
        await DrainAsync(ids: id);

        var decommissioned = await grain.ApplyAsync(Operators.Command(OperatorAction.Decommission, "end of life"));
        var refused = await grain.RegisterAsync(Registrations.GpuNode(id, $"{fleet.Prefix}-gnode-0", zone: "z0"));
        var readded = await grain.ApplyAsync(Operators.Command(OperatorAction.Readd, "refurbished"));
        var newNode = await grain.RegisterAsync(Registrations.GpuNode(id, $"{fleet.Prefix}-other-node", zone: "z0"));

        Assert.Equal(AcceleratorState.Decommissioned, decommissioned.View!.State);
        Assert.Equal(AcceleratorRefusal.Decommissioned, refused.Refusal);
        Assert.Equal(AcceleratorState.Unregistered, readded.View!.State);
        Assert.True(newNode.Accepted, newNode.Message);
        Assert.Equal($"{fleet.Prefix}-other-node", newNode.View!.Registration.NodeId);
    }

    [Fact]
    public async Task New_hardware_relieves_an_overloaded_deployment()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        // A 300B FP8 model takes a whole 8-GPU node, so a second replica needs a second node.
        var definition = fleet.GpuModel(1) with { Parameters = 300_000_000_000, Precision = Placement.Models.ModelPrecision.Fp8, MaxReplicas = 2 };
        var ready = await fleet.DeployReadyAsync(definition, 1);
        var replica = ready.Replicas.Single();

        // Every slot held at the accelerator, as other gateways' placements would hold them, on a lease long
        // enough that no renewal is needed: with the test cluster's one-second placement lease, renewals
        // delayed by a busy machine let the load vanish before the deployment saw it.
        var accelerator = Grains.GetGrain<IAcceleratorGrain>(replica.AcceleratorIds[0]);
        var held = Enumerable.Range(0, replica.Slots).Select(i => $"pl-{i:x32}").ToArray();
        foreach (var placementId in held)
        {
            var reserved = await accelerator.ReserveSlotAsync(replica.ReplicaId, placementId, TimeSpan.FromMinutes(5));
            Assert.Equal(SlotRefusal.None, reserved.Refusal);
        }

        var deployment = Grains.GetGrain<IDeploymentGrain>(definition.Name);
        var wanting = await Eventually.Until(deployment.GetAsync, v => v!.PlacementProblems.Count > 0, Wait, "the busy deployment to want another replica");

        var added = await fleet.AddGpuNodeAsync(1);
        await Eventually.Until(deployment.GetAsync, v => v!.Replicas.Any(r => r.AcceleratorIds[0] == added), Wait, "a replica on the new node");
        await fleet.ReportLoadedAsync(definition.Name);
        var extra = await Eventually.Until(async () => (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-extra").PlaceAsync(Ask(definition.Name))).Result!,
            r => r.Placed, Wait, "a placement on the new replica");
        foreach (var placementId in held)
        {
            await accelerator.ReleaseSlotAsync(placementId);
        }

        Assert.Contains(wanting!.PlacementProblems, p => p.Contains("cannot be placed"));
        Assert.Equal(added, extra.AcceleratorId);
    }

    [Fact]
    public async Task An_interactive_deployment_scales_out_when_the_streams_that_keep_its_slo_are_in_use_not_its_kv_slots()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 2);
        var definition = fleet.FastCoder(1, HardwareClass.Gpu) with { ContextWindowTokens = 4_096, MaxReplicas = 2 };
        var ready = await fleet.DeployReadyAsync(definition, 1);
        var replica = ready.Replicas.Single();
        HardwareCatalogue.Default.TryGet(replica.Sku, out var sku);
        var performance = PerformanceModel.Default.Predict(definition.ToSpec().Shape, sku, replica.DevicesPerAccelerator * replica.AcceleratorIds.Count);
        var keepingSlo = performance.StreamsAtSpeed(definition.ToSpec().Slo.MinTokensPerSecond, replica.Slots);

        // The premise (a short context window, so many KV slots): the KV cache holds far more streams than
        // decode at the SLO's speed, so counting KV slots (scale out at 80% of them) would not add a replica
        // at this load.
        Assert.InRange(keepingSlo, 1, (int)(0.8 * replica.Slots) - 1);
        var accelerator = Grains.GetGrain<IAcceleratorGrain>(replica.AcceleratorIds[0]);
        var held = Enumerable.Range(0, keepingSlo).Select(i => $"pl-{i:x32}").ToArray();
        foreach (var placementId in held)
        {
            var reserved = await accelerator.ReserveSlotAsync(replica.ReplicaId, placementId, TimeSpan.FromMinutes(5));
            Assert.Equal(SlotRefusal.None, reserved.Refusal);
        }

        var deployment = Grains.GetGrain<IDeploymentGrain>(definition.Name);
        var scaled = await Eventually.Until(deployment.GetAsync, v => v!.Replicas.Count == 2, Wait, "a second replica once the SLO's streams are in use");
        foreach (var placementId in held)
        {
            await accelerator.ReleaseSlotAsync(placementId);
        }

        Assert.Contains(scaled!.Replicas, r => r.ReplicaId == replica.ReplicaId);
    }

    [Fact]
    public async Task Draining_the_second_wafer_of_a_spanning_replica_waits_for_the_work_held_by_its_first()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 4, gpuNodes: 0);
        var ready = await fleet.DeployReadyAsync(fleet.FastCoder(1), 1); // a 32B model spans two wafers
        var replica = ready.Replicas.Single();
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");
        var running = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;
        Assert.Equal(replica.AcceleratorIds[0], running.AcceleratorId);

        await DrainAsync(force: true, ids: replica.AcceleratorIds[1]);
        var waiting = await Eventually.Until(() => ViewOf(replica.AcceleratorIds[1]),
            v => v!.Drain!.WaitingFor.Any(w => w.Contains("held by their primary")), Wait, "the secondary to wait for the primary's placement");
        await session.CompleteAsync("tenant-a", running.PlacementId, 10, 10);
        await UntilState(replica.AcceleratorIds[1], AcceleratorState.Drained, "the secondary to drain once the work is done");

        Assert.Equal(AcceleratorState.Draining, waiting!.State);
    }

    [Fact]
    public async Task Scaling_down_retires_a_busy_replica_and_unloads_it_only_when_its_work_is_done()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(1) with { MinReplicas = 0 }, 1);
        var deployment = Grains.GetGrain<IDeploymentGrain>(ready.Definition.Name);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");
        var running = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;

        await deployment.ScaleAsync(0, 0, $"{fleet.Prefix}-scale");
        var retiring = await Eventually.Until(deployment.GetAsync, v => v!.Replicas.Single().State == ReplicaState.Retiring, Wait, "the replica to retire");
        var refused = await Eventually.Until(async () => (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-new").PlaceAsync(Ask(ready.Definition.Name, dryRun: true))).Result!,
            r => !r.Placed, Wait, "routers to stop placing on the retiring replica");
        await session.RenewAsync("tenant-a", running.PlacementId); // still running, still held
        var completed = await session.CompleteAsync("tenant-a", running.PlacementId, 10, 10);
        await Eventually.Until(deployment.GetAsync, v => v!.Replicas.Count == 0, Wait, "the retired replica to be unloaded");

        Assert.Equal(running.ReplicaId, retiring!.Replicas.Single().ReplicaId);
        Assert.False(refused.Placed);
        Assert.Equal(SessionRefusal.None, completed.Refusal);
    }
}
