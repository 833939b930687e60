using ControlPlane.Placement.Replicas;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Sessions;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Grains.Tests;

[Collection(FleetClusterCollection.Name)]
public class PlacementGrainTests(FleetClusterFixture cluster)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private IGrainFactory Grains => cluster.Grains;

    private static SessionPlaceRequest Ask(string deployment, string tenant = "tenant-a", string plan = "pro",
        ReasoningEffort effort = ReasoningEffort.Low, LatencyClass? latency = null, bool dryRun = false) =>
        new(new PlacementAsk("", tenant, plan, deployment, effort, 1_000, 0, latency, null, 0), dryRun);

    [Fact]
    public async Task A_deployment_places_its_replicas_across_zones_and_becomes_ready_when_agents_report_loaded()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 4, gpuNodes: 0);
        var grain = Grains.GetGrain<IDeploymentGrain>(fleet.FastCoder().Name);
        fleet.Track(fleet.FastCoder().Name);

        await grain.CreateAsync(fleet.FastCoder(replicas: 2), "r1");
        var placed = await Eventually.Until(grain.GetAsync, v => v!.Replicas.Count == 2, Wait, "two replicas placed");

        Assert.All(placed!.Replicas, r => Assert.Equal(ReplicaState.Loading, r.State));
        Assert.Equal(2, placed.Replicas.Select(r => r.Pool).Distinct().Count()); // z0 and z1
        Assert.All(placed.Replicas, r => Assert.Equal(2, r.AcceleratorIds.Count)); // 64 GB + headroom: two wafers each

        foreach (var replica in placed.Replicas)
        {
            foreach (var accelerator in replica.AcceleratorIds)
            {
                await grain.ReportReplicaAsync(replica.ReplicaId, accelerator, ReplicaState.Ready, "", "sim://x");
            }
        }

        var ready = await grain.GetAsync();
        Assert.Equal(2, ready!.ReadyReplicas);
        var hosting = await Grains.GetGrain<IAcceleratorGrain>(placed.Replicas[0].AcceleratorIds[0]).GetAsync();
        Assert.Equal(placed.Replicas[0].ReplicaId, Assert.Single(hosting!.Replicas).ReplicaId);
    }

    [Fact]
    public async Task An_unplaceable_deployment_says_why_and_places_when_hardware_arrives()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 1, gpuNodes: 0);
        var grain = Grains.GetGrain<IDeploymentGrain>(fleet.FastCoder().Name);
        fleet.Track(fleet.FastCoder().Name);

        await grain.CreateAsync(fleet.FastCoder(replicas: 1), "r1");
        var stuck = await Eventually.Until(grain.GetAsync, v => v!.PlacementProblems.Count > 0, Wait, "a placement problem");

        Assert.Empty(stuck!.Replicas);
        Assert.Contains(stuck.PlacementProblems, p => p.Contains("need 2 free cs3 wafers in one zone"));
    }

    [Fact]
    public async Task A_placement_problem_clears_once_the_deployment_no_longer_wants_the_replica_it_could_not_place()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 1, gpuNodes: 0);
        var grain = Grains.GetGrain<IDeploymentGrain>(fleet.FastCoder().Name);
        fleet.Track(fleet.FastCoder().Name);
        await grain.CreateAsync(fleet.FastCoder(replicas: 1) with { MinReplicas = 0 }, "r1");
        await Eventually.Until(grain.GetAsync, v => v!.PlacementProblems.Count > 0, Wait, "a placement problem");

        var scaled = await grain.ScaleAsync(0, 0, "r2");

        Assert.Equal(DeploymentRefusal.None, scaled.Refusal);
        Assert.Empty(scaled.View!.PlacementProblems); // nothing is missing any more, so nothing is stuck
    }

    [Fact]
    public async Task Retried_and_conflicting_requests_act_once()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 4, gpuNodes: 0);
        var grain = Grains.GetGrain<IDeploymentGrain>(fleet.FastCoder().Name);
        fleet.Track(fleet.FastCoder().Name);

        var first = await grain.CreateAsync(fleet.FastCoder(replicas: 1), "req-1");
        var retried = await grain.CreateAsync(fleet.FastCoder(replicas: 1), "req-1");
        var again = await grain.CreateAsync(fleet.FastCoder(replicas: 1), "req-2");
        var reused = await grain.ScaleAsync(2, null, "req-1");

        Assert.True(first.Accepted);
        Assert.True(retried.Accepted);
        Assert.Equal(DeploymentRefusal.AlreadyExists, again.Refusal);
        Assert.Equal(DeploymentRefusal.RequestIdReused, reused.Refusal);
    }

    [Fact]
    public async Task Interactive_turns_land_on_wafers_and_long_jobs_on_gpus_with_a_sticky_session()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 4, gpuNodes: 2);
        var both = fleet.FastCoder(2, HardwareClass.WaferScale, HardwareClass.Gpu) with { DesiredReplicas = 4 };
        await fleet.DeployReadyAsync(both, 4);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-session");

        var turn1 = (await session.PlaceAsync(Ask(both.Name))).Result!;
        var turn2 = (await session.PlaceAsync(Ask(both.Name))).Result!;
        var longJob = (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-agent").PlaceAsync(Ask(both.Name, effort: ReasoningEffort.XHigh))).Result!;

        Assert.True(turn1.Placed, turn1.Message);
        Assert.Equal(HardwareClass.WaferScale, turn1.HardwareClass);
        Assert.Equal(turn1.ReplicaId, turn2.ReplicaId);
        Assert.Equal(LatencyClass.LongHorizon, longJob.LatencyClass);
        Assert.Equal(HardwareClass.Gpu, longJob.HardwareClass);
        var view = await session.GetAsync();
        Assert.Equal(["first placement", "sticky"], view!.History.Select(h => h.Note));
        Assert.Equal(2, view.ActivePlacements);
    }

    [Fact]
    public async Task An_unentitled_plan_is_refused()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 2, gpuNodes: 0);
        await fleet.DeployReadyAsync(fleet.FastCoder(1), 1);

        var outcome = await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s").PlaceAsync(Ask(fleet.FastCoder().Name, plan: "free"));

        Assert.Equal(RejectionReason.NotEntitled, outcome.Result!.Reason);
        Assert.Null(await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s").GetAsync());
    }

    [Fact]
    public async Task Many_concurrent_placers_never_reserve_more_slots_than_exist()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 4, gpuNodes: 0);
        var ready = await fleet.DeployReadyAsync(fleet.FastCoder(2), 2);
        var slots = ready.Replicas.Sum(r => r.Slots);

        var attempts = await Task.WhenAll(Enumerable.Range(0, slots * 3).Select(i =>
            Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s{i}").PlaceAsync(Ask(ready.Definition.Name))));

        var granted = attempts.Count(a => a.Result!.Placed);
        Assert.Equal(slots, granted);
        Assert.All(attempts.Where(a => !a.Result!.Placed), a => Assert.Equal(RejectionReason.NoCapacity, a.Result!.Reason));
        foreach (var replica in ready.Replicas)
        {
            var load = (await Grains.GetGrain<IAcceleratorGrain>(replica.AcceleratorIds[0]).GetAsync())!.Replicas.Single(r => r.ReplicaId == replica.ReplicaId);
            Assert.Equal(load.Slots, load.ActiveStreams);
        }
    }

    [Fact]
    public async Task A_dead_gateways_reservations_expire_and_completion_frees_slots_at_once()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 2, gpuNodes: 0);
        var ready = await fleet.DeployReadyAsync(fleet.FastCoder(1), 1);
        var replica = ready.Replicas.Single();
        var accelerator = Grains.GetGrain<IAcceleratorGrain>(replica.AcceleratorIds[0]);
        async Task<int> Active() => (await accelerator.GetAsync())!.Replicas.Single().ActiveStreams;

        var completed = (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-done").PlaceAsync(Ask(ready.Definition.Name))).Result!;
        var abandoned = (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-dead").PlaceAsync(Ask(ready.Definition.Name))).Result!;
        Assert.True(completed.Placed && abandoned.Placed);
        Assert.Equal(2, await Active());

        var done = await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-done").CompleteAsync("tenant-a", completed.PlacementId, 1_000, 200);
        await Eventually.Until(Active, n => n == 1, Wait, "the completed placement's slot to be released"); // the release is one-way
        var replay = await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-done").CompleteAsync("tenant-a", completed.PlacementId, 1_000, 200);

        Assert.Equal(SessionRefusal.None, done.Refusal);
        Assert.True(replay.AlreadyCompleted);
        Assert.Equal(1_200, replay.WaferTokens); // counted once
        await Eventually.Until(Active, n => n == 0, Wait, "the abandoned placement's lease to expire");
        var late = await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-dead").RenewAsync("tenant-a", abandoned.PlacementId);
        Assert.Null(late);
    }

    [Fact]
    public async Task A_renewed_long_job_stays_active_in_a_session_holding_many_placements()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(2), 2);
        Assert.True(ready.Replicas.Sum(r => r.Slots) > 70, $"{ready.Replicas.Sum(r => r.Slots)} slots");
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-agent");
        var lease = FleetClusterFixture.PlacementLease;
        var job = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;
        var accelerator = Grains.GetGrain<IAcceleratorGrain>(job.AcceleratorId);

        // The accelerator holds the job's slot for minutes, as if renewed on time all along, so a busy test
        // machine cannot let it lapse; what is under test is the session's own bookkeeping.
        Assert.NotNull(await accelerator.RenewSlotAsync(job.PlacementId, TimeSpan.FromMinutes(5)));
        for (var i = 0; i < 64; i++)
        {
            Assert.True((await session.PlaceAsync(Ask(ready.Definition.Name))).Result!.Placed); // abandoned: never renewed
        }

        var abandonedBy = DateTimeOffset.UtcNow;
        await Until(abandonedBy + 2 * lease);
        var renewedUntil = await session.RenewAsync("tenant-a", job.PlacementId); // the gateway renews once
        Assert.NotNull(await accelerator.RenewSlotAsync(job.PlacementId, TimeSpan.FromMinutes(5)));

        // Past the abandoned placements' leases and three more (when a session forgets them), and past four
        // leases since the job was placed; well inside three leases since its renewal.
        await Until(abandonedBy + 4.5 * lease);
        var next = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!; // a placement prunes what expired
        var completed = await session.CompleteAsync("tenant-a", job.PlacementId, 1_000, 500);
        var view = (await session.GetAsync())!;

        Assert.True(renewedUntil > job.LeaseExpiresAt, $"renewed until {renewedUntil:O}, placed until {job.LeaseExpiresAt:O}");
        Assert.True(next.Placed);
        Assert.Equal(SessionRefusal.None, completed.Refusal);
        Assert.False(completed.AlreadyCompleted);
        Assert.Equal(1, view.ActivePlacements); // the new one; the abandoned ones were forgotten

        static async Task Until(DateTimeOffset moment)
        {
            var left = moment - DateTimeOffset.UtcNow;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left); // the condition is time itself passing
            }
        }
    }

    [Fact]
    public async Task Limits_are_counted_in_tokens_per_pool_and_refill()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 2, gpuNodes: 1);
        // A slow enough SLO that a one-GPU replica (~37 tok/s) may take spilled interactive turns.
        var both = fleet.FastCoder(2, HardwareClass.WaferScale, HardwareClass.Gpu) with { SloMinTokensPerSecond = 20 };
        await fleet.DeployReadyAsync(both, 2);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");

        // "tiny" allows 6,000 tokens a minute per pool (100/s).
        var first = (await session.PlaceAsync(Ask(both.Name, tenant: $"{fleet.Prefix}-t", plan: "tiny"))).Result!;
        Assert.Equal(HardwareClass.WaferScale, first.HardwareClass);
        await session.CompleteAsync($"{fleet.Prefix}-t", first.PlacementId, 5_000, 1_500); // 500 tokens into debt on the wafer pool

        var spilled = (await session.PlaceAsync(Ask(both.Name, tenant: $"{fleet.Prefix}-t", plan: "tiny"))).Result!;
        Assert.True(spilled.Placed, spilled.Message);
        Assert.Equal(HardwareClass.Gpu, spilled.HardwareClass); // the GPU pool's allowance is separate
        await session.CompleteAsync($"{fleet.Prefix}-t", spilled.PlacementId, 5_000, 1_500);

        var refused = (await session.PlaceAsync(Ask(both.Name, tenant: $"{fleet.Prefix}-t", plan: "tiny"))).Result!;
        Assert.Equal(RejectionReason.LimitExhausted, refused.Reason);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));

        var refilled = await Eventually.Until(async () => (await session.PlaceAsync(Ask(both.Name, tenant: $"{fleet.Prefix}-t", plan: "tiny"))).Result!,
            r => r.Placed, TimeSpan.FromSeconds(15), "the wafer bucket to refill");
        Assert.True(refilled.Placed); // whichever pool refilled first (both were 500 tokens in debt)
        var status = await Eventually.Until(() => Grains.GetGrain<Tenants.ITenantBudgetGrain>($"{fleet.Prefix}-t").GetStatusAsync("tiny"),
            s => s.ExhaustedBits == 0, TimeSpan.FromSeconds(15), "both pools to refill");
        Assert.InRange(status.WaferTokensLeft, 0, 6_000);
        Assert.InRange(status.GpuTokensLeft, 0, 6_000);
    }

    [Fact]
    public async Task A_session_belongs_to_one_tenant()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 2, gpuNodes: 0);
        await fleet.DeployReadyAsync(fleet.FastCoder(1), 1);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");
        var placed = (await session.PlaceAsync(Ask(fleet.FastCoder().Name))).Result!;

        var stolen = await session.PlaceAsync(Ask(fleet.FastCoder().Name, tenant: "someone-else"));
        var completeByOther = await session.CompleteAsync("someone-else", placed.PlacementId, 1, 1);

        Assert.Equal(SessionRefusal.OwnedByAnotherTenant, stolen.Refusal);
        Assert.Equal(SessionRefusal.OwnedByAnotherTenant, completeByOther.Refusal);
    }

    [Fact]
    public async Task A_session_switches_model_and_keeps_its_identity_and_history()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 2, gpuNodes: 1);
        await fleet.DeployReadyAsync(fleet.FastCoder(1), 1);
        await fleet.DeployReadyAsync(fleet.GpuModel(1), 1);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");

        var fast = (await session.PlaceAsync(Ask(fleet.FastCoder().Name))).Result!;
        var deep = (await session.PlaceAsync(Ask(fleet.GpuModel().Name))).Result!;

        Assert.Equal(HardwareClass.WaferScale, fast.HardwareClass);
        Assert.Equal(HardwareClass.Gpu, deep.HardwareClass);
        var view = await session.GetAsync();
        Assert.Equal(fleet.GpuModel().Name, view!.Deployment);
        Assert.Equal($"switched from {fleet.FastCoder().Name}", view.History[^1].Note);
        Assert.Equal(2, view.History.Count);
    }

    [Fact]
    public async Task A_sticky_session_moves_when_its_replica_is_lost_and_the_replica_is_replaced()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 6, gpuNodes: 0);
        var ready = await fleet.DeployReadyAsync(fleet.FastCoder(2), 2);
        var session = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s");
        var first = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;
        var lostReplica = ready.Replicas.Single(r => r.ReplicaId == first.ReplicaId);
        await session.CompleteAsync("tenant-a", first.PlacementId, 10, 10);

        fleet.Silence(lostReplica.AcceleratorIds[0]);
        var deployment = Grains.GetGrain<IDeploymentGrain>(ready.Definition.Name);
        var replaced = await Eventually.Until(deployment.GetAsync,
            v => v!.Replicas.Count == 2 && v.Replicas.All(r => r.ReplicaId != lostReplica.ReplicaId), Wait, "the lost replica to be replaced");
        var moved = (await session.PlaceAsync(Ask(ready.Definition.Name))).Result!;

        Assert.True(moved.Placed, moved.Message);
        Assert.NotEqual(first.ReplicaId, moved.ReplicaId);
        Assert.Equal($"moved from {first.ReplicaId}", (await session.GetAsync())!.History[^1].Note);
        Assert.Contains(replaced!.Replicas, r => r.State == ReplicaState.Loading); // the replacement loads
    }

    [Fact]
    public async Task Long_horizon_jobs_queue_fairly_and_are_placed_when_slots_free()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 0, gpuNodes: 1);
        var ready = await fleet.DeployReadyAsync(fleet.GpuModel(1), 1);
        var slots = ready.Replicas.Single().Slots;
        var holders = new List<(ISessionGrain Session, string PlacementId)>();
        for (var i = 0; i < slots; i++)
        {
            var s = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-hold-{i}");
            holders.Add((s, (await s.PlaceAsync(Ask(ready.Definition.Name, tenant: "big"))).Result!.PlacementId));
        }

        var queued = Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-waiting").PlaceAsync(Ask(ready.Definition.Name, tenant: "small"));
        await Eventually.Until(() => Grains.GetGrain<IPlacementQueueGrain>(ready.Definition.Name).GetLengthAsync(), n => n == 1, Wait, "the job to queue");
        Assert.False(queued.IsCompleted);

        await holders[0].Session.CompleteAsync("big", holders[0].PlacementId, 100, 100);
        var placed = (await queued.WaitAsync(Wait)).Result!;

        Assert.True(placed.Placed, placed.Message);
        Assert.Equal(LatencyClass.LongHorizon, placed.LatencyClass);
    }

    [Fact]
    public async Task A_node_registering_again_must_confirm_its_replicas_before_they_take_work_again()
    {
        await using var fleet = await FleetUnderTest.StartAsync(cluster, wafers: 2, gpuNodes: 0);
        var ready = await fleet.DeployReadyAsync(fleet.FastCoder(1), 1);
        var replica = ready.Replicas.Single();
        var deployment = Grains.GetGrain<IDeploymentGrain>(ready.Definition.Name);

        // The node of the primary accelerator restarts: it registers again, and may have lost its weights.
        var node = Grains.GetGrain<Nodes.INodeGrain>($"{fleet.Prefix}-wnode-0");
        await node.RegisterAsync([Registrations.Wafer($"{fleet.Prefix}-wafer-0", $"{fleet.Prefix}-wnode-0", zone: "z0")], "restarted");
        await Eventually.Until(deployment.GetAsync, v => v!.Replicas.Single().State == ReplicaState.Loading, Wait, "the replica to wait for confirmation");
        var dryRun = Ask(ready.Definition.Name, dryRun: true);
        var refused = await Eventually.Until(async () => (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s").PlaceAsync(dryRun)).Result!,
            r => !r.Placed, Wait, "routers to stop placing on the unconfirmed replica");

        Assert.Equal(RejectionReason.NoReadyReplica, refused.Reason);

        await deployment.ReportReplicaAsync(replica.ReplicaId, $"{fleet.Prefix}-wafer-0", ReplicaState.Ready, "", replica.Endpoint);
        var confirmed = await deployment.GetAsync();
        var placed = await Eventually.Until(async () => (await Grains.GetGrain<ISessionGrain>($"{fleet.Prefix}-s").PlaceAsync(dryRun)).Result!,
            r => r.Placed, Wait, "the confirmed replica to take work again");

        Assert.Equal(ReplicaState.Ready, confirmed!.Replicas.Single().State);
        Assert.Equal(replica.ReplicaId, placed.ReplicaId);
    }
}
