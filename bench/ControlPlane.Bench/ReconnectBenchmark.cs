using System.Diagnostics;
using System.Globalization;
using ControlPlane.Contracts.Security;
using ControlPlane.HardwareAgents.Connection;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Bench;

// Reconnect benchmark (issue 13, defect 11): a simulated fleet of 1,000 nodes loses its silo, which comes
// back on the same address after a while. Measured from the moment the new silo answers: how long until
// every agent is connected again (the fleet is whole), and how hard they come back (registrations per
// second at the busiest second: the herd). Each reconnect cap runs in the same process, so the old 30 s
// cap is the baseline of the new default.
//
//   dotnet run -c Release --project bench/ControlPlane.Bench -- reconnect [--accelerators 1000] [--down-seconds 20] [--caps-ms 30000,4000]
internal static class ReconnectBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var accelerators = BenchHosts.Arg(args, "--accelerators", 1_000);
        var downSeconds = BenchHosts.Arg(args, "--down-seconds", 20);
        var capsText = BenchHosts.Text(args, "--caps-ms", $"30000,{NodeAgentOptions.DefaultMaxBackoff.TotalMilliseconds}");
        var caps = capsText.Split(',').Select(c => int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms is > 0 and <= 600_000 ? ms : -1).ToArray();
        if (accelerators is < 1 or > 10_000 || downSeconds is < 1 or > 600 || caps.Any(c => c < 0))
        {
            Console.Error.WriteLine("usage: ControlPlane.Bench reconnect [--accelerators 1..10000] [--down-seconds 1..600] [--caps-ms MS,MS,... (each 1..600000)]");
            return 2;
        }

        Console.WriteLine($"reconnect: {accelerators} simulated nodes (one accelerator each), silo down {downSeconds}s, reconnect caps {string.Join(", ", caps.Select(c => $"{c / 1000.0:0.#}s"))}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, .NET {Environment.Version}");
        var table = new List<string[]>();
        foreach (var cap in caps)
        {
            var (whole, median, peak, total) = await RoundAsync(accelerators, downSeconds, TimeSpan.FromMilliseconds(cap));
            table.Add([$"{cap / 1000.0:0.#} s", $"{whole.TotalSeconds:0.0} s", $"{median.TotalSeconds:0.0} s", $"{peak:N0}/s", $"{total:N0}"]);
            Console.WriteLine($"  cap {cap / 1000.0:0.#}s: whole {whole.TotalSeconds:0.0}s after the silo answered (median agent {median.TotalSeconds:0.0}s), busiest second {peak:N0} registrations, {total:N0} in all");
        }

        Console.WriteLine();
        string[] headers = ["reconnect cap", "fleet whole after", "median agent back", "busiest second", "registrations"];
        var widths = headers.Select((h, i) => table.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        Console.WriteLine(string.Join("   ", headers.Select((h, i) => h.PadLeft(widths[i]))));
        foreach (var row in table)
        {
            Console.WriteLine(string.Join("   ", row.Select((c, i) => c.PadLeft(widths[i]))));
        }

        return 0;
    }

    private static async Task<(TimeSpan Whole, TimeSpan Median, int PeakPerSecond, int Total)> RoundAsync(int accelerators, int downSeconds, TimeSpan cap)
    {
        var grpcPort = BenchHosts.FreePorts(1)[0];
        var first = await StartSiloAsync(grpcPort);
        var endpoint = first.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        var wafers = accelerators / 5;
        await using var fleet = SimulatedFleet.Create(endpoint, DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = wafers, GpuNodes = accelerators - wafers, NamePrefix = "rc", MaxBackoff = cap }, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        var connecting = Stopwatch.StartNew();
        await WaitAsync(() => fleet.ConnectedCount == accelerators, TimeSpan.FromMinutes(5), "the fleet to connect");
        Console.WriteLine($"  cap {cap.TotalSeconds:0.#}s: {accelerators} agents connected in {connecting.Elapsed.TotalSeconds:0.0}s; stopping the silo for {downSeconds}s");

        await first.StopAsync();
        await first.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(downSeconds));

        var second = await StartSiloAsync(grpcPort);
        var answered = Stopwatch.StartNew();
        var registrations = second.Services.GetRequiredService<ControlPlaneMetrics>().Registrations.WithLabels("ok");
        var before = fleet.Agents.ToDictionary(a => a, a => a.Connections);
        var backAt = new Dictionary<NodeAgent, TimeSpan>();
        var perSecond = new List<int>();
        var counted = 0.0;
        var nextSecond = TimeSpan.FromSeconds(1);
        while (backAt.Count < accelerators)
        {
            if (answered.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"only {backAt.Count} of {accelerators} agents came back within 5 minutes");
            }

            await Task.Delay(20);
            foreach (var agent in fleet.Agents)
            {
                if (!backAt.ContainsKey(agent) && agent.Connections > before[agent] && agent.State == NodeAgentState.Connected)
                {
                    backAt[agent] = answered.Elapsed;
                }
            }

            if (answered.Elapsed >= nextSecond)
            {
                perSecond.Add((int)(registrations.Value - counted));
                counted = registrations.Value;
                nextSecond += TimeSpan.FromSeconds(1);
            }
        }

        perSecond.Add((int)(registrations.Value - counted));
        var whole = answered.Elapsed;
        var sorted = backAt.Values.Order().ToArray();
        await fleet.StopAsync();
        await second.StopAsync();
        await second.DisposeAsync();
        return (whole, sorted[sorted.Length / 2], perSecond.Max(), (int)registrations.Value);
    }

    private static Task<WebApplication> StartSiloAsync(int grpcPort) =>
        BenchHosts.StartSiloAsync($"--ControlPlane:Endpoints:GrpcPort={grpcPort}");

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(50);
        }
    }
}
