using System.Text.Json;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Simulator.Engine;
using ControlPlane.Simulator.Faults;
using ControlPlane.Simulator.Fleets;
using ControlPlane.Simulator.Policies;
using ControlPlane.Simulator.Results;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Tests;

/// <summary>Correctness of the simulator itself: conservation, Little's law, queueing theory, determinism.</summary>
public class SimulationTests
{
    private static Workload Mixed(int seed, double rate = 6, int requests = 3_000, int jobs = 12)
    {
        var fleet = TestFleets.Build();
        var trace = TestFleets.Poisson(requests, rate, 60, 1_500, "fast", seed);
        var agentic = AgenticJob.Generate(new AgenticJobOptions { Jobs = jobs, StartWithinSeconds = requests / rate, MinTurns = 3, MaxTurns = 8 }, "large", 65_536, new Random(seed));
        return Workload.FromParts(trace, agentic);
    }

    private static RunResult Run(string policy, Workload workload, int seed = 1, SimulationOptions? options = null)
    {
        var setup = PolicyCatalog.Create(policy, TestFleets.File(), TestFleets.Build(), HardwareCatalogue.Default, PerformanceModel.Default, seed);
        return new FleetSimulation(setup.Fleet, setup.Policy, options ?? new SimulationOptions(), setup.RoutingSpec).Run(workload);
    }

    [Theory]
    [InlineData("project")]
    [InlineData("round-robin")]
    [InlineData("least-loaded")]
    [InlineData("random")]
    [InlineData("gpu-only")]
    [InlineData("wafer-first")]
    public void Every_request_finishes_or_is_refused_with_a_reason_and_tokens_add_up(string policy)
    {
        var workload = Mixed(seed: 7, rate: 40); // busy enough that some requests wait and some time out
        var offered = workload.Arrivals.Count + workload.JobTurns;

        var result = Run(policy, workload, options: new SimulationOptions { InteractiveMaxWaitSeconds = 2 });

        Assert.Equal(offered, result.Arrived);
        Assert.Equal(result.Arrived, result.Completed + result.Refused + result.Lost + result.QueuedAtEnd);
        Assert.Equal(result.Refused, result.RefusedByReason.Values.Sum());
        Assert.Equal(result.Interactive.Arrived + result.LongHorizon.Arrived, result.Arrived);
        Assert.Equal(result.Interactive.Completed + result.LongHorizon.Completed, result.Completed);
        if (result.Refused == 0)
        {
            Assert.Equal(workload.Arrivals.Sum(a => (long)a.OutputTokens) + JobOutputs(workload), result.OutputTokens);
        }
    }

    [Fact]
    public void Littles_law_holds_on_the_outputs()
    {
        var result = Run("project", Mixed(seed: 3, rate: 30));

        Assert.True(result.Little.MeanInSystem > 1, $"L = {result.Little.MeanInSystem}");
        Assert.InRange(result.Little.LambdaW / result.Little.MeanInSystem, 0.99, 1.01);
    }

    [Fact]
    public void A_single_server_with_poisson_arrivals_matches_the_pollaczek_khinchine_mean_wait()
    {
        // M/G/1: one slot at 100 tokens/s, outputs exponential with mean 50 tokens, arrivals at 70% load.
        var fleet = TestFleets.SingleServer();
        var performance = fleet.Replicas[0].Performance;
        var probe = TestFleets.Poisson(40_000, 1, 50, 100, "one", seed: 11);
        var service = probe.Select(r => performance.FirstTokenOverheadSeconds + r.PromptTokens / performance.PrefillTokensPerSecond + r.OutputTokens / performance.SingleStreamTokensPerSecond).ToArray();
        var meanService = service.Average();
        var rate = 0.7 / meanService;
        var requests = TestFleets.Poisson(40_000, rate, 50, 100, "one", seed: 11);
        var policy = PolicyCatalog.Create("project", TestFleets.File(), TestFleets.Build(), HardwareCatalogue.Default, PerformanceModel.Default, 1).Policy;

        var result = new FleetSimulation(fleet, policy, new SimulationOptions { InteractiveMaxWaitSeconds = 1e9 }).Run(Workload.FromParts(requests, []));

        var secondMoment = service.Select(s => s * s).Average();
        var predicted = rate * secondMoment / (2 * (1 - 0.7));
        Assert.Equal(requests.Count, result.Completed);
        Assert.InRange(result.Interactive.QueueWait.Mean / predicted, 0.9, 1.1); // within 10% of the analytic wait
    }

    [Fact]
    public void The_same_seed_gives_the_same_results_and_another_seed_does_not()
    {
        var first = JsonSerializer.Serialize(Run("random", Mixed(seed: 5), seed: 9));
        var again = JsonSerializer.Serialize(Run("random", Mixed(seed: 5), seed: 9));
        var other = JsonSerializer.Serialize(Run("random", Mixed(seed: 6), seed: 10));

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Session_affinity_saves_prefill_an_agent_would_otherwise_pay_again()
    {
        var workload = Mixed(seed: 4, requests: 200, jobs: 30);

        var project = Run("project", workload);
        var roundRobin = Run("round-robin", workload);

        // Four replicas: round-robin still lands on the right one now and then; the project's engine nearly always does.
        Assert.True(project.PrefillTokensSaved > 1.2 * roundRobin.PrefillTokensSaved,
            $"project saved {project.PrefillTokensSaved} prompt tokens, round-robin {roundRobin.PrefillTokensSaved}");
        Assert.True(project.LongHorizon.EndToEnd.Mean < roundRobin.LongHorizon.EndToEnd.Mean);
    }

    [Fact]
    public void Losing_hardware_fails_its_running_requests_and_the_rest_is_placed_elsewhere()
    {
        var workload = Mixed(seed: 8, rate: 20);
        var options = new SimulationOptions { Faults = [new FaultSpec(FaultKind.Lose, "gpu", WholePool: true, AtSeconds: 60)] };

        var result = Run("project", workload, options: options);

        Assert.True(result.Lost > 0, "requests running on the lost GPUs fail");
        Assert.Equal(result.Arrived, result.Completed + result.Refused + result.Lost + result.QueuedAtEnd);
        Assert.Contains(result.Faults, f => f.StartsWith("lose:pool=gpu@60 hit", StringComparison.Ordinal));
        Assert.True(result.RefusedByReason.GetValueOrDefault("no_replicas") > 0,
            "long-horizon work has nowhere to go once every GPU is gone: the lost replicas are removed and none can be placed again");
        Assert.True(result.Interactive.SloAttainment > 0.9, "interactive work goes on on the wafers");
    }

    [Fact]
    public void A_replica_on_lost_hardware_is_replaced_where_there_is_room()
    {
        var workload = Mixed(seed: 8, rate: 20);
        var loseAWafer = new SimulationOptions { Faults = [new FaultSpec(FaultKind.Lose, "wafer-000", WholePool: false, AtSeconds: 60)] };
        var loseEveryGpu = new SimulationOptions { Faults = [new FaultSpec(FaultKind.Lose, "gpu", WholePool: true, AtSeconds: 60)] };

        var oneWafer = Run("project", workload, options: loseAWafer);
        var allGpus = Run("project", workload, options: loseEveryGpu);
        var none = Run("project", workload);

        // The fast model's lost two-wafer replica comes back on GPUs left free; with every GPU gone and
        // every wafer in use there is nowhere to put one.
        Assert.Equal(new ScalingResult(1, 0), oneWafer.Scaling);
        Assert.Equal(new ScalingResult(0, 0), allGpus.Scaling);
        Assert.Equal(new ScalingResult(0, 0), none.Scaling);
        Assert.Equal(oneWafer.Arrived, oneWafer.Completed + oneWafer.Refused + oneWafer.Lost + oneWafer.QueuedAtEnd);
    }

    [Fact]
    public void A_drain_takes_no_new_work_but_lets_running_work_finish()
    {
        var workload = Mixed(seed: 8, rate: 20);
        var options = new SimulationOptions { Faults = [new FaultSpec(FaultKind.Drain, "wafer-000", WholePool: false, AtSeconds: 30)] };

        var result = Run("project", workload, options: options);

        Assert.Equal(0, result.Lost);
        Assert.Equal(result.Arrived, result.Completed + result.Refused + result.QueuedAtEnd);
    }

    [Fact]
    public void A_busy_deployment_with_max_replicas_adds_replicas_on_free_hardware_and_retires_them_when_the_load_is_gone()
    {
        // One replica of the fast model (two wafers) and room to scale to four; a 90 s burst at twice what it
        // can hold within the SLO, then a quiet tail in which the extra replicas should retire.
        var scaling = FleetFile.Parse(TestFleets.Fleet.Replace("\"replicas\": 3,", "\"replicas\": 1, \"max_replicas\": 4,"), "scaling.json");
        var fixedSize = FleetFile.Parse(TestFleets.Fleet.Replace("\"replicas\": 3,", "\"replicas\": 1,"), "fixed.json");
        var burst = TestFleets.Poisson(3_600, 40, 600, 1_500, "fast", seed: 3);
        var quiet = TestFleets.Poisson(120, 0.2, 100, 1_500, "fast", seed: 4)
            .Select(r => r with { Id = r.Id + 10_000, ArrivalSeconds = r.ArrivalSeconds + burst[^1].ArrivalSeconds, SessionId = $"q-{r.Id}" }).ToArray();
        var workload = Workload.FromParts([.. burst, .. quiet], []);

        RunResult RunOn(FleetFile file)
        {
            var fleet = SimFleet.Build(file, HardwareCatalogue.Default, PerformanceModel.Default);
            var setup = PolicyCatalog.Create("project", file, fleet, HardwareCatalogue.Default, PerformanceModel.Default, 1);
            return new FleetSimulation(setup.Fleet, setup.Policy, new SimulationOptions { BucketSeconds = 10 }, setup.RoutingSpec).Run(workload);
        }

        var scaled = RunOn(scaling);
        var fixedRun = RunOn(fixedSize);
        var again = RunOn(scaling);

        Assert.InRange(scaled.Scaling.ReplicasAdded, 1, 3); // one burst: no replica retired and added again
        Assert.Equal(scaled.Scaling.ReplicasAdded, scaled.Scaling.ReplicasRetired);
        Assert.Equal(new ScalingResult(0, 0), fixedRun.Scaling);
        Assert.True(scaled.Interactive.MetSlo > fixedRun.Interactive.MetSlo * 1.2,
            $"met the SLO: {scaled.Interactive.MetSlo} with scaling, {fixedRun.Interactive.MetSlo} without");
        Assert.Equal(scaled.Arrived, scaled.Completed + scaled.Refused + scaled.Lost + scaled.QueuedAtEnd);
        Assert.All(scaled.Pools.SelectMany(p => p.Utilization), u => Assert.InRange(u, 0, 1 + 1e-9)); // added slots count in the denominator
        Assert.Equal(JsonSerializer.Serialize(scaled), JsonSerializer.Serialize(again));
    }

    private static long JobOutputs(Workload workload) =>
        workload.Jobs.Sum(j => Enumerable.Range(0, j.Turns).Sum(t => (long)j.Turn(0, t, 0).OutputTokens));
}
