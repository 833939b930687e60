using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Simulator.Engine;
using ControlPlane.Simulator.Faults;
using ControlPlane.Simulator.Fleets;
using ControlPlane.Simulator.Policies;
using ControlPlane.Simulator.Results;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator;

/// <summary>The simulator's command line. Output streams are parameters so tests run it in-process.</summary>
internal static class SimulatorApp
{
    /// <summary>Parses <paramref name="args"/>, runs and returns the exit code (0 ok, 1 failed run, 2 bad input).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var fleet = new Option<string>("--fleet") { Description = "Fleet file (JSON): pools, deployments, routing. See docs/evaluation.md.", Required = true };
        var workloads = new Option<string[]>("--workload")
        {
            Description = "A source of requests, repeatable: azure:PATH (Azure LLM inference trace CSV), mooncake:PATH (Mooncake JSONL), " +
                "agentic[:jobs=30,turns=12-48,output=400,tool=10,prompt=8000,tool_tokens=1500,within=3420] (synthetic long-horizon coding agents).",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var policies = new Option<string>("--policy")
        {
            Description = "Policies to compare, comma-separated: " + string.Join("; ", PolicyCatalog.Names.Select(n => $"{n} ({PolicyCatalog.Descriptions[n]})")) + ".",
            DefaultValueFactory = _ => string.Join(",", PolicyCatalog.Names),
        };
        var timeScale = new Option<double>("--time-scale") { Description = "Arrivals come this many times faster (0.5 = half as fast).", DefaultValueFactory = _ => 1 };
        var loadScale = new Option<double>("--load-scale") { Description = "This many times as many trace requests (0.5 keeps half at random).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice; the same seed gives the same results.", DefaultValueFactory = _ => 42 };
        var badLines = new Option<string>("--bad-lines") { Description = "skip: report bad trace lines with their line numbers and go on; reject: stop at the first.", DefaultValueFactory = _ => "skip" };
        badLines.AcceptOnlyFromAmong("skip", "reject");
        var faults = new Option<string[]>("--fault") { Description = "A fault, repeatable: drain:TARGET@SECONDS or lose:TARGET@SECONDS; TARGET is an accelerator id or pool=NAME." };
        var output = new Option<string>("--out") { Description = "Folder for results.json and the charts (created).", DefaultValueFactory = _ => "sim-out" };
        var bucket = new Option<double>("--bucket") { Description = "Seconds per point of the utilisation series.", DefaultValueFactory = _ => 60 };
        var arrivals = new Option<string>("--arrivals")
        {
            Description = "trace: arrivals when the trace says (its bursts included); poisson: a Poisson process of the trace's mean rate, each request keeping its sizes.",
            DefaultValueFactory = _ => "trace",
        };
        arrivals.AcceptOnlyFromAmong("trace", "poisson");
        var root = new RootCommand("Replays traces and synthetic agentic jobs against a simulated fleet, in virtual time, through the control plane's placement engine and baseline policies, and compares latency, SLO attainment, goodput and utilisation.")
        {
            fleet, workloads, policies, timeScale, loadScale, seed, badLines, faults, output, bucket, arrivals,
        };
        root.SetAction(parse => Run(
            parse.GetValue(fleet)!, parse.GetValue(workloads) ?? [], parse.GetValue(policies)!, parse.GetValue(timeScale), parse.GetValue(loadScale),
            parse.GetValue(seed), parse.GetValue(badLines)!, parse.GetValue(faults) ?? [], parse.GetValue(output)!, parse.GetValue(bucket),
            parse.GetValue(arrivals) == "poisson", stdout, stderr));
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }

    private delegate bool Parser<T>(string text, out T? value, out string error);

    // Parses every value of a repeatable option, collecting each error under the option's name.
    private static List<T> ParseAll<T>(string[] texts, Parser<T> parse, string option, List<string> errors)
    {
        var values = new List<T>();
        foreach (var text in texts)
        {
            if (parse(text, out var value, out var error))
            {
                values.Add(value!);
            }
            else
            {
                errors.Add($"{option}: {error}");
            }
        }

        return values;
    }

    private static int Run(string fleetPath, string[] workloadTexts, string policyList, double timeScale, double loadScale, int seed, string badLines,
        string[] faultTexts, string outDir, double bucketSeconds, bool poisson, TextWriter stdout, TextWriter stderr)
    {
        var errors = new List<string>();
        var specs = ParseAll<WorkloadSpec>(workloadTexts, WorkloadSpec.TryParse, "--workload", errors);
        var faults = ParseAll<FaultSpec>(faultTexts, FaultSpec.TryParse, "--fault", errors);

        var names = policyList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var unknown in names.Where(n => !PolicyCatalog.Names.Contains(n)))
        {
            errors.Add($"--policy: '{unknown}' is not a policy; known: {string.Join(", ", PolicyCatalog.Names)}");
        }

        if (names.Length == 0)
        {
            errors.Add("--policy: name at least one policy");
        }

        if (timeScale is <= 0 or > 1_000 || double.IsNaN(timeScale))
        {
            errors.Add($"--time-scale: must be more than 0 and at most 1000 (got {timeScale})");
        }

        if (loadScale is <= 0 or > 100 || double.IsNaN(loadScale))
        {
            errors.Add($"--load-scale: must be more than 0 and at most 100 (got {loadScale})");
        }

        if (bucketSeconds is < 1 or > 86_400 || double.IsNaN(bucketSeconds))
        {
            errors.Add($"--bucket: must be 1..86400 seconds (got {bucketSeconds})");
        }

        if (errors.Count > 0)
        {
            errors.ForEach(e => stderr.WriteLine($"error: {e}"));
            return 2;
        }

        var catalogue = HardwareCatalogue.Default;
        var model = PerformanceModel.Default;
        FleetFile file;
        SimFleet fleet;
        Workload workload;
        try
        {
            file = FleetFile.Load(fleetPath);
            fleet = SimFleet.Build(file, catalogue, model);
            foreach (var fault in faults.Where(f => !fleet.Accelerators.Any(a => f.Matches(a.Id, a.Pool))))
            {
                throw new FleetFileException($"--fault {fault}: no accelerator or pool '{fault.Target}' in {fleetPath}");
            }

            workload = Workload.Build(specs, fleet, new Scaling(timeScale, loadScale, poisson), seed, badLines == "reject" ? BadLinePolicy.Reject : BadLinePolicy.Skip);
        }
        catch (Exception ex) when (ex is FleetFileException or TraceException)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return 2;
        }

        foreach (var problem in workload.Problems.Take(20))
        {
            stderr.WriteLine($"skipped {problem}");
        }

        if (workload.Problems.Count > 20)
        {
            stderr.WriteLine($"skipped {workload.Problems.Count - 20} more bad line(s)");
        }

        foreach (var problem in fleet.PlacementProblems)
        {
            stderr.WriteLine($"warning: {problem}");
        }

        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fleet: {fleet.Accelerators.Count} accelerators, {fleet.Replicas.Count} replicas ({ReplicaSummary(fleet)}); workload: {workload.Arrivals.Count:N0} trace requests, {workload.Jobs.Count} agentic jobs ({workload.JobTurns:N0} turns)"));
        var options = new SimulationOptions { BucketSeconds = bucketSeconds, Faults = faults };
        var results = new List<RunResult>();
        foreach (var name in names)
        {
            var clock = Stopwatch.StartNew();
            var setup = PolicyCatalog.Create(name, file, fleet, catalogue, model, seed);
            if (!ReferenceEquals(setup.Fleet, fleet))
            {
                // A policy that places its own replicas (gpu-only) says where they went, and what did not fit.
                stdout.WriteLine($"  {name} places its own replicas: {ReplicaSummary(setup.Fleet)}");
                foreach (var problem in setup.Fleet.PlacementProblems)
                {
                    stdout.WriteLine($"  {name} warning: {problem}");
                }
            }

            var result = new FleetSimulation(setup.Fleet, setup.Policy, options, setup.RoutingSpec).Run(workload);
            results.Add(result);
            var scaled = result.Scaling.ReplicasAdded + result.Scaling.ReplicasRetired == 0
                ? ""
                : $"; reconciling added {result.Scaling.ReplicasAdded} replica(s) (scale-out, or replacing lost and drained ones), retired {result.Scaling.ReplicasRetired}";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-13} {result.Arrived:N0} requests over {result.DurationSeconds / 60:F1} virtual minutes in {clock.Elapsed.TotalSeconds:F2}s{scaled}"));
        }

        stdout.WriteLine();
        ReportWriter.WriteTable(results, stdout);
        Directory.CreateDirectory(outDir);
        ReportWriter.WriteJson(results, new { fleet = fleetPath, workloads = workloadTexts, time_scale = timeScale, load_scale = loadScale, arrivals = poisson ? "poisson" : "trace", seed, faults = faultTexts }, Path.Combine(outDir, "results.json"));
        var slo = fleet.Deployments.First(d => d.Name == fleet.InteractiveDeployment).Slo;
        File.WriteAllText(Path.Combine(outDir, "interactive-ttft-cdf.svg"),
            SvgCharts.Cdf("Interactive: time to first token", results.Select(r => (r.Policy, r.Interactive.TimeToFirstTokenCdf)).ToArray(), slo.TimeToFirstToken.TotalSeconds));
        File.WriteAllText(Path.Combine(outDir, "long-horizon-e2e-cdf.svg"),
            SvgCharts.Cdf("Long-horizon: end to end per turn", results.Select(r => (r.Policy, r.LongHorizon.EndToEndCdf)).ToArray(), null));
        foreach (var (pool, index) in new[] { ("wafer-scale", 0), ("gpu", 1) })
        {
            File.WriteAllText(Path.Combine(outDir, $"{pool}-utilization.svg"),
                SvgCharts.OverTime($"{pool} pool: share of stream slots busy", bucketSeconds, results.Select(r => (r.Policy, r.Pools[index].Utilization)).ToArray()));
        }

        stdout.WriteLine();
        stdout.WriteLine($"wrote {Path.Combine(outDir, "results.json")} and 4 charts (interactive-ttft-cdf.svg, long-horizon-e2e-cdf.svg, wafer-scale-utilization.svg, gpu-utilization.svg)");
        return 0;
    }

    // "fast-coder 2 wafer-scale + 1 gpu, large-coder 5 gpu": where each deployment's replicas run.
    private static string ReplicaSummary(SimFleet fleet) => string.Join(", ", fleet.Deployments.Select(d =>
        $"{d.Name} " + string.Join(" + ", fleet.Replicas.Where(r => r.Deployment == d.Name).GroupBy(r => r.Assignment.Sku.Class)
            .Select(g => $"{g.Count()} {(g.Key == ControlPlane.Placement.Hardware.HardwareClass.WaferScale ? "wafer-scale" : "gpu")}")
            .DefaultIfEmpty("none"))));
}
