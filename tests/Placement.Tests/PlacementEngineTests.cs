using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;
using static ControlPlane.Placement.Tests.Fleets;

namespace ControlPlane.Placement.Tests;

public sealed class PlacementEngineTests
{
    [Fact]
    public void Interactive_turns_land_on_wafer_replicas()
    {
        var routes = Routes(FastCoderSpec(), wafers: 4, gpus: 4);
        var engine = Engine();

        for (var i = 0; i < 50; i++)
        {
            var decision = engine.Decide(Turn($"s{i}"), routes);
            Assert.Equal(PlacementOutcome.Placed, decision.Outcome);
            Assert.Equal(LatencyClass.Interactive, decision.LatencyClass);
            Assert.Equal(HardwareClass.WaferScale, decision.Winner!.Value.Replica.Class);
        }
    }

    [Theory]
    [InlineData(ReasoningEffort.XHigh, 0, null)]
    [InlineData(ReasoningEffort.Low, 20_000, null)]
    [InlineData(ReasoningEffort.Low, 0, LatencyClass.LongHorizon)]
    public void Long_horizon_jobs_land_on_gpu_replicas(ReasoningEffort effort, int outputHint, LatencyClass? explicitClass)
    {
        var routes = Routes(FastCoderSpec(), wafers: 4, gpus: 4);
        var request = Turn(effort: effort) with { ExpectedOutputTokens = outputHint, LatencyClassOverride = explicitClass };

        var decision = Engine().Decide(request, routes);

        Assert.Equal(LatencyClass.LongHorizon, decision.LatencyClass);
        Assert.Equal(HardwareClass.Gpu, decision.Winner!.Value.Replica.Class);
    }

    [Fact]
    public void Interactive_turns_spill_to_gpus_when_wafers_are_full_and_the_slo_still_holds()
    {
        var routes = Routes(FastCoderSpec(), wafers: 2, gpus: 2);
        FillAll(routes, HardwareClass.WaferScale);

        var decision = Engine().Decide(Turn(), routes);

        Assert.Equal(PlacementOutcome.Placed, decision.Outcome);
        Assert.Equal(HardwareClass.Gpu, decision.Winner!.Value.Replica.Class);
        Assert.True(decision.Winner.Value.Prediction.MeetsSlo(new PlacementContext(Turn(), routes.Spec, LatencyClass.Interactive, 500, HardwareClass.WaferScale, 1)));
        Assert.True(decision.Explanation.ScannedAll || decision.Explanation.RemovedByFilter[Index(decision, "free-slot")] > 0);
    }

    [Fact]
    public void Interactive_turns_do_not_spill_to_gpus_that_would_miss_the_slo()
    {
        // 400 tok/s minimum: a GPU stream of a 32B model (~210 tok/s on 4 H200s) cannot meet it.
        var spec = FastCoderSpec() with { Slo = new ServiceLevelObjective(TimeSpan.FromSeconds(1), 400, TimeSpan.FromMinutes(30)) };
        var routes = Routes(spec, wafers: 2, gpus: 3);
        FillAll(routes, HardwareClass.WaferScale);

        var decision = Engine().Decide(Turn(), routes);

        Assert.Equal(PlacementOutcome.Rejected, decision.Outcome);
        Assert.Contains(decision.Reason, new[] { RejectionReason.SloUnattainable, RejectionReason.NoCapacity });
        Assert.Equal(3, decision.Explanation.RemovedByFilter[Index(decision, "spillover-slo")]);
        Assert.True(decision.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public void An_unentitled_plan_is_refused_before_any_replica_is_considered()
    {
        var decision = Engine().Decide(Turn(plan: "free"), Routes(FastCoderSpec(), 2, 2));

        Assert.Equal(PlacementOutcome.Rejected, decision.Outcome);
        Assert.Equal(RejectionReason.NotEntitled, decision.Reason);
        Assert.Equal(0, decision.Explanation.Considered);
    }

    [Fact]
    public void A_sticky_session_stays_on_its_replica_even_when_others_are_emptier()
    {
        var routes = Routes(FastCoderSpec(), wafers: 8, gpus: 0);
        Assert.True(routes.TryGet("w3", out var sticky));
        routes.SetActiveStreams(sticky, 5);

        for (var seed = 0; seed < 20; seed++)
        {
            var decision = Engine(seed).Decide(Turn(sticky: "w3"), routes);
            Assert.Equal("w3", decision.Winner!.Value.Replica.ReplicaId);
        }
    }

    [Theory]
    [InlineData("schedulable")]
    [InlineData("healthy")]
    [InlineData("replica-ready")]
    public void A_sticky_session_moves_when_its_replica_drains_fails_or_unloads(string filter)
    {
        var routes = Routes(FastCoderSpec(), wafers: 4, gpus: 0);
        Assert.True(routes.TryGet("w1", out var sticky));
        switch (filter)
        {
            case "schedulable": sticky.Schedulable = false; break;
            case "healthy": sticky.Healthy = false; break;
            default: sticky.Ready = false; break;
        }

        var decision = Engine().Decide(Turn(sticky: "w1"), routes);

        Assert.Equal(PlacementOutcome.Placed, decision.Outcome);
        Assert.NotEqual("w1", decision.Winner!.Value.Replica.ReplicaId);
        Assert.True(decision.Explanation.RemovedByFilter[Index(decision, filter)] >= 1);
    }

    [Fact]
    public void Long_horizon_jobs_queue_when_every_replica_is_full()
    {
        var routes = Routes(FastCoderSpec(HardwareClass.Gpu), wafers: 0, gpus: 2);
        FillAll(routes, HardwareClass.Gpu);

        var decision = Engine().Decide(Turn(effort: ReasoningEffort.XHigh), routes);

        Assert.Equal(PlacementOutcome.Queued, decision.Outcome);
        Assert.Equal(RejectionReason.NoCapacity, decision.Reason);
        Assert.Contains("free-slot removed 2", decision.Message);
    }

    [Fact]
    public void With_one_replica_lost_and_the_rest_full_the_deployment_is_full_not_unready()
    {
        var routes = Routes(FastCoderSpec(HardwareClass.Gpu), wafers: 0, gpus: 2);
        FillAll(routes, HardwareClass.Gpu);
        var lost = routes.Replicas(HardwareClass.Gpu)[0];
        lost.Schedulable = false;
        lost.Ready = false;

        // The lost replica is the session's sticky one: it is looked at on every pass, so it is removed more often than the full one.
        var decision = Engine().Decide(Turn(sticky: lost.ReplicaId), routes);

        Assert.Equal(PlacementOutcome.Rejected, decision.Outcome);
        Assert.Equal(RejectionReason.NoCapacity, decision.Reason);
    }

    [Fact]
    public void An_exhausted_pool_limit_removes_only_that_pool()
    {
        var routes = Routes(FastCoderSpec(), wafers: 2, gpus: 2);
        var waferExhausted = Turn() with { ExhaustedPools = HardwareClassSet.Of(HardwareClass.WaferScale) };
        var bothExhausted = waferExhausted with { ExhaustedPools = waferExhausted.ExhaustedPools.With(HardwareClass.Gpu) };

        var spilled = Engine().Decide(waferExhausted, routes);
        var refused = Engine().Decide(bothExhausted, routes);

        Assert.Equal(HardwareClass.Gpu, spilled.Winner!.Value.Replica.Class);
        Assert.Equal(RejectionReason.LimitExhausted, refused.Reason);
    }

    [Fact]
    public void A_request_longer_than_the_context_window_is_refused()
    {
        var request = Turn() with { PromptTokens = 32_000, ExpectedOutputTokens = 1_000 };

        var decision = Engine().Decide(request, Routes(FastCoderSpec(), 2, 2));

        Assert.Equal(RejectionReason.ContextTooLong, decision.Reason);
    }

    [Fact]
    public void An_effort_whose_usual_output_exceeds_the_window_is_placed_with_the_output_the_window_leaves()
    {
        var spec = FastCoderSpec() with { ContextWindowTokens = 8_192 }; // as the demo's fast model
        var request = Turn(effort: ReasoningEffort.XHigh) with { PromptTokens = 2_000 }; // xhigh's usual 24,000 would not fit

        var decision = Engine().Decide(request, Routes(spec, 2, 2));
        var hinted = Engine().Decide(request with { ExpectedOutputTokens = 24_000 }, Routes(spec, 2, 2));
        var (latencyClass, output) = LatencyClassResolver.Resolve(request, spec);

        Assert.Equal(PlacementOutcome.Placed, decision.Outcome);
        Assert.Equal(LatencyClass.LongHorizon, latencyClass);
        Assert.Equal(spec.ContextWindowTokens - 2_000, output);
        Assert.Equal(RejectionReason.ContextTooLong, hinted.Reason); // a size the caller asked for must still fit
    }

    [Fact]
    public void A_filter_declares_its_own_rejection_reason_and_the_closest_to_success_wins()
    {
        var defaults = PlacementPipeline.Default();
        var maintenance = new PlacementPipeline([.. defaults.Filters, new MaintenanceWindowFilter()], defaults.Scorers);
        var both = new PlacementPipeline([.. defaults.Filters, new MaintenanceWindowFilter(), new AlwaysFullFilter()], defaults.Scorers);
        var waferOnly = FastCoderSpec(HardwareClass.WaferScale);

        var refused = new PlacementEngine(maintenance, new PlacementEngineOptions(), new Random(7)).Decide(Turn(), Routes(waferOnly, 2, 0));
        var closest = new PlacementEngine(both, new PlacementEngineOptions(), new Random(7)).Decide(Turn(), Routes(FastCoderSpec(), 2, 2));

        // The new filter's own reason, where a name-based default would have said "no ready replica".
        Assert.Equal(RejectionReason.SloUnattainable, refused.Reason);

        // The wafers went to the maintenance filter (precedence 2), the GPU replicas to the full one (1): 1 wins.
        Assert.Equal(RejectionReason.NoCapacity, closest.Reason);
    }

    // Takes the wafer replicas out (for maintenance), so another filter can refuse the rest.
    private sealed class MaintenanceWindowFilter : Placement.Routing.Filters.PlacementFilter
    {
        public override string Name => "maintenance-window";

        public override Placement.Routing.Filters.FilterRefusal Refusal => new(RejectionReason.SloUnattainable, Precedence: 2);

        public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) => replica.Class != HardwareClass.WaferScale;
    }

    private sealed class AlwaysFullFilter : Placement.Routing.Filters.PlacementFilter
    {
        public override string Name => "always-full";

        public override Placement.Routing.Filters.FilterRefusal Refusal => new(RejectionReason.NoCapacity, Precedence: 1);

        public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) => false;
    }

    [Fact]
    public void A_deployment_without_replicas_says_so()
    {
        var decision = Engine().Decide(Turn(), Routes(FastCoderSpec(), 0, 0));

        Assert.Equal(RejectionReason.NoReplicas, decision.Reason);
        Assert.Contains("no replicas", decision.Message);
    }

    [Fact]
    public void Sampling_looks_at_a_handful_of_replicas_however_large_the_fleet()
    {
        var routes = Routes(FastCoderSpec(), wafers: 50_000, gpus: 50_000);

        var decision = Engine().Decide(Turn(sticky: "w77"), routes);

        Assert.Equal(PlacementOutcome.Placed, decision.Outcome);
        Assert.InRange(decision.Explanation.Considered, 1, 3); // the sticky replica and two samples of the preferred class
        Assert.False(decision.Explanation.ScannedAll);
    }

    [Fact]
    public void When_sampling_finds_nothing_the_engine_finds_the_last_free_replica()
    {
        var routes = Routes(FastCoderSpec(HardwareClass.WaferScale), wafers: 5_000, gpus: 0);
        FillAll(routes, HardwareClass.WaferScale);
        Assert.True(routes.TryGet("w4321", out var last));
        routes.SetActiveStreams(last, last.Slots - 1);

        var decision = Engine().Decide(Turn(), routes);

        Assert.Equal("w4321", decision.Winner!.Value.Replica.ReplicaId);
        Assert.True(decision.Explanation.ScannedAll);
    }

    [Fact]
    public void The_winner_explains_each_of_its_scores()
    {
        var decision = Engine().Decide(Turn(), Routes(FastCoderSpec(), 2, 2));

        Assert.Equal(decision.Explanation.ScorerNames.Count, decision.Explanation.WinnerScores.Count);
        Assert.All(decision.Explanation.WinnerScores, s => Assert.InRange(s, 0, 1));
        Assert.Equal(1, decision.Explanation.WinnerScores[decision.Explanation.ScorerNames.ToList().IndexOf("pool-preference")]);
    }

    [Fact]
    public void Deciding_and_reserving_in_any_order_never_reserves_more_slots_than_exist()
    {
        // Property: random interleavings of place/complete keep every replica within its slots, and
        // every refusal happens only when the fleet is truly full for the request's class.
        var routes = Routes(FastCoderSpec(), wafers: 3, gpus: 3, slots: 4);
        var engine = Engine(11);
        var random = new Random(5);
        var held = new List<RoutableReplica>();
        for (var step = 0; step < 20_000; step++)
        {
            if (held.Count > 0 && random.NextDouble() < 0.45)
            {
                var index = random.Next(held.Count);
                routes.Release(held[index]);
                held.RemoveAt(index);
                continue;
            }

            var effort = random.NextDouble() < 0.3 ? ReasoningEffort.XHigh : ReasoningEffort.Low;
            var decision = engine.Decide(Turn($"s{step}", effort), routes);
            if (decision.Outcome == PlacementOutcome.Placed)
            {
                Assert.True(routes.TryReserve(decision.Winner!.Value.Replica));
                held.Add(decision.Winner.Value.Replica);
            }
            else
            {
                Assert.Equal(RejectionReason.NoCapacity, decision.Reason);
            }

            foreach (var hardwareClass in new[] { HardwareClass.WaferScale, HardwareClass.Gpu })
            {
                Assert.All(routes.Replicas(hardwareClass), r => Assert.InRange(r.ActiveStreams, 0, r.Slots));
            }
        }

        Assert.Equal(held.Count, routes.Replicas(HardwareClass.WaferScale).Concat(routes.Replicas(HardwareClass.Gpu)).Sum(r => r.ActiveStreams));
    }

    private static void FillAll(DeploymentRoutes routes, HardwareClass hardwareClass)
    {
        foreach (var replica in routes.Replicas(hardwareClass))
        {
            routes.SetActiveStreams(replica, replica.Slots);
        }
    }

    private static int Index(PlacementDecision decision, string filter) => decision.Explanation.FilterNames.ToList().IndexOf(filter);
}
