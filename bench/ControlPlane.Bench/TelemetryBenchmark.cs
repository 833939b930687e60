using System.Diagnostics;
using ControlPlane.Bench;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace ControlPlane.Bench;

// Telemetry absorption benchmark (issue 2): how many telemetry reports per second one silo absorbs over
// persistent streams from a simulated fleet, against the bare gRPC streaming rate of the same contract
// on the same machine, in the same process, alternating rounds to share the machine's noise.
//
// dotnet run -c Release --project bench/ControlPlane.Bench -- telemetry [--accelerators 1000] [--seconds 10] [--rounds 3]
internal static class TelemetryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var accelerators = BenchHosts.Arg(args, "--accelerators", 1000);
        var seconds = BenchHosts.Arg(args, "--seconds", 10);
        var rounds = BenchHosts.Arg(args, "--rounds", 3);
        if (accelerators < 1 || seconds < 1 || rounds < 1)
        {
            Console.Error.WriteLine("usage: ControlPlane.Bench telemetry [--accelerators N>=1] [--seconds N>=1] [--rounds N>=1]");
            return 2;
        }

        Console.WriteLine($"telemetry absorption: {accelerators} accelerators, one stream each; an 8s warm-up pass per server, then {rounds} round(s) of {seconds}s per server (5s settle each)");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, .NET {Environment.Version}");

        var bareCounter = new TelemetryCounter();
        var (bare, bareAddress) = await BenchHosts.StartBareServerAsync<BareAgentService>(services => services.AddSingleton(bareCounter));
        await using var bareServer = bare;
        await using var silo = await BenchHosts.StartSiloAsync();
        var siloAddress = silo.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        var siloMetrics = silo.Services.GetRequiredService<ControlPlaneMetrics>();
        var siloReports = siloMetrics.TelemetryReports;

        var bareLoad = new TelemetryLoad(bareAddress, accelerators, "bare", register: false);
        var siloLoad = new TelemetryLoad(siloAddress, accelerators, "bench", register: true);
        var opening = Stopwatch.StartNew();
        await bareLoad.OpenAsync(CancellationToken.None);
        await siloLoad.OpenAsync(CancellationToken.None);
        Console.WriteLine($"registered and opened {2 * accelerators} streams in {opening.Elapsed.TotalSeconds:F1}s");

        // One unrecorded pass over both servers first, so tiered JIT has compiled both paths before any round counts.
        await WarmUpAsync(bareLoad);
        await WarmUpAsync(siloLoad);

        var table = new List<(int Round, double Bare, double Silo)>();
        for (var round = 1; round <= rounds; round++)
        {
            var bareRate = await MeasureAsync(bareLoad, () => bareCounter.Value);
            var appliedBefore = siloMetrics.TelemetryApplied.Value;
            var clock = Stopwatch.StartNew();
            var siloRate = await MeasureAsync(siloLoad, () => (long)siloReports.Value);
            var appliedRate = (siloMetrics.TelemetryApplied.Value - appliedBefore) / clock.Elapsed.TotalSeconds;
            table.Add((round, bareRate, siloRate));
            Console.WriteLine($"round {round}: bare {bareRate,10:N0} msg/s   control plane {siloRate,10:N0} reports/s   ratio {siloRate / bareRate,6:P1}   (grain updates ~{appliedRate:N0}/s)");
        }

        var bareMean = table.Average(r => r.Bare);
        var siloMean = table.Average(r => r.Silo);
        Console.WriteLine();
        var ratios = table.Select(r => r.Silo / r.Bare).Order().ToArray();
        Console.WriteLine($"mean:    bare {bareMean,10:N0} msg/s   control plane {siloMean,10:N0} reports/s   ratio {siloMean / bareMean,6:P1}   (target >= 50%)");
        Console.WriteLine($"per-round ratio: median {ratios[ratios.Length / 2]:P1}, min {ratios[0]:P1}, max {ratios[^1]:P1}");

        await bareLoad.CloseAsync();
        await siloLoad.CloseAsync();
        await silo.StopAsync();
        await bare.StopAsync();
        return 0;

        async Task WarmUpAsync(TelemetryLoad load)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(8));
            await load.RunAsync(stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        async Task<double> MeasureAsync(TelemetryLoad load, Func<long> absorbed)
        {
            using var stop = new CancellationTokenSource();
            var run = load.RunAsync(stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(5)); // warm-up: tiered JIT, connection windows, grain activations
            var startCount = absorbed();
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            var rate = (absorbed() - startCount) / clock.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            await run;
            await Task.Delay(TimeSpan.FromSeconds(1)); // let the server drain before the next measurement
            return rate;
        }
    }
}
