using System.Diagnostics;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Bench;

// Engine-alone benchmark (issue 3): placement decisions per second on one thread, on fleets of 1k, 10k
// and 100k accelerators (half wafer systems, half GPU nodes, one replica each), at a steady ~50% slot
// occupancy: each decision reserves its winner and releases the oldest reservation, so load neither
// drains nor fills. 80% interactive turns, 20% long-horizon jobs, a quarter of them with a sticky replica.
//
//   dotnet run -c Release --project bench/ControlPlane.Bench -- engine [--seconds 2] [--rounds 3] [--fleets 1000,10000,100000]
//
// The first fleet size is the baseline the others are compared with.
internal static class EngineBenchmark
{
    public static int Run(string[] args)
    {
        var seconds = BenchHosts.Arg(args, "--seconds", 2);
        var rounds = BenchHosts.Arg(args, "--rounds", 3);
        var fleetSizes = FleetSizes(args);
        if (seconds < 1 || rounds < 1 || fleetSizes is null)
        {
            Console.Error.WriteLine("usage: ControlPlane.Bench engine [--seconds N>=1] [--rounds N>=1] [--fleets N,N,... (each 2..1000000; the first is the baseline)]");
            return 2;
        }

        Console.WriteLine($"engine alone, one thread: {rounds} round(s) of {seconds}s per fleet size and mode, rounds interleaved across sizes");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, .NET {Environment.Version}");
        Console.WriteLine("modes: decide = decisions alone on a fleet held at half its slots; cycle = each decision also reserves its winner and releases the oldest reservation");
        var fleets = fleetSizes.Select(n => new Fleet(n)).ToArray();
        foreach (var fleet in fleets)
        {
            fleet.Measure(TimeSpan.FromSeconds(1), Mode.Cycle); // warm-up: tiered JIT
        }

        var modes = new[] { Mode.Decide, Mode.Cycle };
        var results = fleets.SelectMany(f => modes.Select(m => (f.Accelerators, m))).ToDictionary(k => k, _ => new List<double>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var fleet in fleets)
            {
                foreach (var mode in modes)
                {
                    var (rate, bytes) = fleet.Measure(TimeSpan.FromSeconds(seconds), mode);
                    results[(fleet.Accelerators, mode)].Add(rate);
                    Console.WriteLine($"round {round}: {fleet.Accelerators,7:N0} accelerators  {mode,-6}  {rate,12:N0} decisions/s  {1e9 / rate,7:F0} ns/decision  {bytes,5:F0} B allocated/decision");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"accelerators",12}  {"decide: median/s",16}  {"ns",5}  {"vs base",7}  {"cycle: median/s",15}  {"ns",5}  {"vs base",7}");
        foreach (var size in fleetSizes)
        {
            var line = $"{size,12:N0}";
            foreach (var mode in modes)
            {
                var baseline = Median(results[(fleetSizes[0], mode)]);
                var median = Median(results[(size, mode)]);
                line += $"  {median,16:N0}  {1e9 / median,5:F0}  {baseline / median,6:F2}x";
            }

            Console.WriteLine(line);
        }

        Console.WriteLine("targets: >= 1,000,000 decisions/s; per-decision cost at 100k within 1.5x of 1k");
        return 0;
    }

    private static int[]? FleetSizes(string[] args)
    {
        var i = Array.IndexOf(args, "--fleets");
        if (i < 0)
        {
            return [1_000, 10_000, 100_000];
        }

        var sizes = i + 1 < args.Length ? args[i + 1].Split(',') : [];
        var parsed = sizes.Select(t => int.TryParse(t, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0).ToArray();
        return parsed.Length > 0 && parsed.All(n => n is >= 2 and <= 1_000_000) && parsed.Distinct().Count() == parsed.Length ? parsed : null;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private enum Mode
    {
        Decide,
        Cycle,
    }

    private sealed class Fleet
    {
        private const int Slots = 16;
        private readonly DeploymentRoutes _routes;
        private readonly PlacementEngine _engine = new(PlacementPipeline.Default(), new PlacementEngineOptions(), new Random(42));
        private readonly PlacementRequest[] _requests;
        private readonly Queue<RankedCandidate> _held = new();

        public Fleet(int accelerators)
        {
            Accelerators = accelerators;
            var shape = new ModelShape(32_000_000_000, 64, ModelPrecision.Bf16, ModelShape.GroupedQueryKvBytesPerToken(64, 8, 128));
            var spec = new DeploymentSpec("fast-coder", "fast-coder-32b", shape, 32_768, [HardwareClass.WaferScale, HardwareClass.Gpu], 1, accelerators,
                new ServiceLevelObjective(TimeSpan.FromSeconds(1), 100, TimeSpan.FromMinutes(30)), [], LatencyClass.Interactive);
            _routes = new DeploymentRoutes(spec);
            HardwareCatalogue.Default.TryGet("cs3", out var cs3);
            HardwareCatalogue.Default.TryGet("h200", out var h200);
            var wafer = PerformanceModel.Default.Predict(shape, cs3, 2);
            var gpu = PerformanceModel.Default.Predict(shape, h200, 4);
            for (var i = 0; i < accelerators; i++)
            {
                var isWafer = i % 2 == 0;
                var replica = new RoutableReplica($"r{i}", spec.Name, isWafer ? HardwareClass.WaferScale : HardwareClass.Gpu,
                    isWafer ? "wafer-scale/r/z" : "gpu/r/z", [$"a{i}"], isWafer ? wafer : gpu, Slots, spec.ContextWindowTokens) { Ready = true };
                _routes.Upsert(replica);
            }

            var random = new Random(1);
            _requests = Enumerable.Range(0, 4096).Select(i => new PlacementRequest(
                $"s{i}", $"t{i % 64}", "pro", spec.Name,
                random.NextDouble() < 0.2 ? ReasoningEffort.XHigh : ReasoningEffort.Low,
                PromptTokens: 1_000 + random.Next(4_000),
                StickyReplicaId: random.NextDouble() < 0.25 ? $"r{random.Next(accelerators)}" : null)).ToArray();

            // Fill to half the fleet's slots, then keep it there.
            var target = accelerators * Slots / 2;
            for (var i = 0; i < target; i++)
            {
                Step(i, release: false);
            }
        }

        public int Accelerators { get; }

        public (double Rate, double Bytes) Measure(TimeSpan duration, Mode mode)
        {
            var clock = Stopwatch.StartNew();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long decisions = 0;
            while (clock.Elapsed < duration)
            {
                for (var i = 0; i < 1024; i++)
                {
                    if (mode == Mode.Cycle)
                    {
                        Step((int)(decisions + i), release: true);
                    }
                    else
                    {
                        _engine.Decide(_requests[(int)(decisions + i) & (_requests.Length - 1)], _routes);
                    }
                }

                decisions += 1024;
            }

            var elapsed = clock.Elapsed.TotalSeconds;
            return (decisions / elapsed, (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / decisions);
        }

        private void Step(int i, bool release)
        {
            var decision = _engine.Decide(_requests[i & (_requests.Length - 1)], _routes);
            if (decision.Outcome == PlacementOutcome.Placed && _routes.TryReserve(decision.Ranked[0]))
            {
                _held.Enqueue(decision.Ranked[0]);
            }

            if (release && _held.Count > 0)
            {
                _routes.Release(_held.Dequeue());
            }
        }
    }
}
