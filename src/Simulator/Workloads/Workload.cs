using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Fleets;

namespace ControlPlane.Simulator.Workloads;

/// <summary>How arrivals are stretched and thinned or multiplied.</summary>
/// <param name="TimeScale">Arrivals come this many times faster (2 halves every gap).</param>
/// <param name="LoadScale">This many times as many trace requests (each kept, or copied with a small time jitter, at random).</param>
/// <param name="Poisson">
/// Replace the arrival times (after load scaling) by a Poisson process of the same mean rate over the same
/// span, keeping each request's sizes: the trace's load without its bursts, and without copies arriving together.
/// </param>
internal readonly record struct Scaling(double TimeScale, double LoadScale, bool Poisson = false);

/// <summary>
/// A run's requests: trace requests, sorted by arrival, and agentic jobs (whose turns arrive as earlier
/// turns finish). The rule: a trace request generating more than 8,000 tokens is long-horizon (as the
/// control plane's <see cref="LatencyClassResolver"/> decides), every other one interactive; agentic jobs
/// are long-horizon. Interactive requests go to the fleet's interactive deployment, long-horizon ones to
/// its long-horizon deployment.
/// </summary>
internal sealed class Workload
{
    private Workload(IReadOnlyList<SimRequest> arrivals, IReadOnlyList<AgenticJob> jobs, IReadOnlyList<TraceProblem> problems)
    {
        Arrivals = arrivals;
        Jobs = jobs;
        Problems = problems;
    }

    /// <summary>Trace requests in arrival order.</summary>
    public IReadOnlyList<SimRequest> Arrivals { get; }

    /// <summary>Agentic jobs.</summary>
    public IReadOnlyList<AgenticJob> Jobs { get; }

    /// <summary>Bad lines skipped.</summary>
    public IReadOnlyList<TraceProblem> Problems { get; }

    /// <summary>
    /// The span over which the workload offers requests (the last trace arrival or job start): goodput is
    /// counted over it, the same for every policy, so a policy that finishes late is not rewarded.
    /// </summary>
    public double WindowSeconds => Math.Max(1, Math.Max(Arrivals.Count == 0 ? 0 : Arrivals[^1].ArrivalSeconds, Jobs.Count == 0 ? 0 : Jobs.Max(j => j.StartSeconds)));

    /// <summary>Model turns the jobs will send.</summary>
    public int JobTurns => Jobs.Sum(j => j.Turns);

    /// <summary>Reads and generates every source of <paramref name="specs"/>; <paramref name="seed"/> drives all randomness.</summary>
    public static Workload Build(IReadOnlyList<WorkloadSpec> specs, SimFleet fleet, Scaling scaling, int seed, BadLinePolicy badLines)
    {
        var problems = new TraceProblems(badLines);
        var random = new Random(seed);
        var arrivals = new List<SimRequest>();
        var jobs = new List<AgenticJob>();
        var longHorizon = fleet.Deployments.First(d => d.Name == fleet.LongHorizonDeployment);
        foreach (var spec in specs)
        {
            switch (spec.Kind)
            {
                case WorkloadKind.Azure or WorkloadKind.Mooncake:
                    var records = spec.Kind == WorkloadKind.Azure ? AzureTraceReader.Read(spec.Path, problems) : MooncakeTraceReader.Read(spec.Path, problems);
                    AddTrace(arrivals, records, spec.Kind == WorkloadKind.Azure ? "azure" : "mooncake", fleet, scaling, random);
                    break;
                case WorkloadKind.Agentic:
                    var options = spec.Agentic with { StartWithinSeconds = spec.Agentic.StartWithinSeconds / scaling.TimeScale };
                    jobs.AddRange(AgenticJob.Generate(options, longHorizon.Name, longHorizon.ContextWindowTokens, random));
                    break;
            }
        }

        return FromParts(arrivals, jobs, problems.All);
    }

    /// <summary>A workload of requests made elsewhere (tests, generators); ids are renumbered in arrival order.</summary>
    public static Workload FromParts(IEnumerable<SimRequest> arrivals, IEnumerable<AgenticJob> jobs, IReadOnlyList<TraceProblem>? problems = null)
    {
        var sorted = arrivals.OrderBy(a => a.ArrivalSeconds).ThenBy(a => a.Id).Select((a, i) => a with { Id = i }).ToArray();
        return new Workload(sorted, jobs.ToArray(), problems ?? []);
    }

    private static void AddTrace(List<SimRequest> arrivals, IReadOnlyList<TraceRecord> records, string source, SimFleet fleet, Scaling scaling, Random random)
    {
        var span = records.Count == 0 ? 0 : records[^1].Seconds;
        var scaled = new List<TraceRecord>();
        foreach (var record in records)
        {
            var copies = (int)scaling.LoadScale + (random.NextDouble() < scaling.LoadScale - Math.Floor(scaling.LoadScale) ? 1 : 0);
            for (var c = 0; c < copies; c++)
            {
                // Copies land a little apart, as independent users would.
                scaled.Add(record with { Seconds = record.Seconds + (c == 0 ? 0 : random.NextDouble()) });
            }
        }

        if (scaling.Poisson && scaled.Count > 1)
        {
            // Every request, copies included, arrives independently at the scaled mean rate: no bursts at all.
            scaled.Sort((a, b) => a.Seconds.CompareTo(b.Seconds));
            var rate = scaled.Count / Math.Max(span, 1e-9);
            var t = 0.0;
            for (var i = 0; i < scaled.Count; i++)
            {
                t += -Math.Log(1 - random.NextDouble()) / rate;
                scaled[i] = scaled[i] with { Seconds = t };
            }
        }

        foreach (var record in scaled)
        {
            var longJob = record.OutputTokens > LatencyClassResolver.LongHorizonOutputTokens;
            var id = arrivals.Count;
            arrivals.Add(new SimRequest(id, record.Seconds / scaling.TimeScale, $"{source}-{id}", source, record.PromptTokens, record.OutputTokens, record.PrefixBlocks,
                longJob ? LatencyClass.LongHorizon : LatencyClass.Interactive,
                longJob ? fleet.LongHorizonDeployment : fleet.InteractiveDeployment, source));
        }
    }
}
