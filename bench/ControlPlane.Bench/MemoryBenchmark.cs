using System.Diagnostics;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.Grains.Sessions;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Security;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Bench;

// Memory benchmark (issue 13, defect 12): what many short sessions leave in the silo, and what it gives
// back once they are idle. One process: a silo, 8 simulated wafers with four replicas of the fast model,
// and a load generator placing and completing turns over gRPC (Place + Complete, as a gateway would).
// The managed heap is read after a full blocking collection, so it counts live objects only; RSS is the
// whole process's (silo and load generator).
//
//   dotnet run -c Release --project bench/ControlPlane.Bench -- memory [--sessions 40000] [--turns 2] [--idle-seconds 60]
internal static class MemoryBenchmark
{
    private const string Deployment = "fast-coder";

    public static async Task<int> RunAsync(string[] args)
    {
        var sessions = BenchHosts.Arg(args, "--sessions", 40_000);
        var turns = BenchHosts.Arg(args, "--turns", 2);
        var idleSeconds = BenchHosts.Arg(args, "--idle-seconds", 60);
        if (sessions is < 1 or > 1_000_000 || turns is < 1 or > 100 || idleSeconds is < 2 or > 3_600)
        {
            Console.Error.WriteLine("usage: ControlPlane.Bench memory [--sessions 1..1000000] [--turns 1..100] [--idle-seconds 2..3600]");
            return 2;
        }

        Console.WriteLine($"memory: {sessions:N0} sessions x {turns} turn(s) (Place + Complete), sessions idle-collected after {idleSeconds}s");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, .NET {Environment.Version}");
        await using var silo = await BenchHosts.StartSiloAsync(
            $"--ControlPlane:Placement:PlacementLease=00:00:{Math.Max(1, idleSeconds / 2):D2}", $"--ControlPlane:Sessions:IdleTimeout={TimeSpan.FromSeconds(idleSeconds)}");
        var address = silo.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        var tokens = silo.Services.GetRequiredService<TokenAuthenticator>();
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        await using var fleet = SimulatedFleet.Create(address, DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = 8, GpuNodes = 0, NamePrefix = "mem" }, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
        var operatorHeaders = new Metadata { { "authorization", $"Bearer {tokens.Issue(CallerRole.Operator, "bench")}" } };
        var gateway = new Metadata { { "authorization", $"Bearer {tokens.Issue(CallerRole.Gateway, "bench")}" } };
        await BenchHosts.DeclareFastCoderAsync(new DeploymentService.DeploymentServiceClient(channel), operatorHeaders, Deployment, replicas: 4, minReplicas: 1);
        var placement = new PlacementService.PlacementServiceClient(channel);

        // Warm up every path once, so the baseline holds the silo's fixed costs.
        await RunSessionsAsync(placement, gateway, "warm", 64, turns);
        var baseline = await SampleAsync(grains, "before the load");

        var clock = Stopwatch.StartNew();
        await RunSessionsAsync(placement, gateway, "s", sessions, turns);
        Console.WriteLine($"  {sessions * turns:N0} placements in {clock.Elapsed.TotalSeconds:0.0}s ({sessions * turns / clock.Elapsed.TotalSeconds:N0}/s)");
        var loaded = await SampleAsync(grains, "after the load");

        var waiting = Stopwatch.StartNew();
        while ((await SessionActivationsAsync(grains)) > 64 && waiting.Elapsed < TimeSpan.FromSeconds(idleSeconds * 3 + 30))
        {
            await Task.Delay(1_000);
        }

        var idle = await SampleAsync(grains, $"{waiting.Elapsed.TotalSeconds:0}s later, idle sessions collected");
        var perSession = (loaded.Heap - baseline.Heap) / (double)Math.Max(1, loaded.Sessions - baseline.Sessions);
        Console.WriteLine();
        Console.WriteLine($"  managed heap per active session: {perSession / 1024:0.0} KiB ({(loaded.Heap - baseline.Heap) / 1048576.0:0.0} MiB for {loaded.Sessions - baseline.Sessions:N0} sessions)");
        Console.WriteLine($"  given back after collection: heap {(loaded.Heap - idle.Heap) / 1048576.0:0.0} MiB of {(loaded.Heap - baseline.Heap) / 1048576.0:0.0} MiB, RSS {(loaded.Rss - idle.Rss) / 1048576.0:0.0} MiB of {(loaded.Rss - baseline.Rss) / 1048576.0:0.0} MiB");
        return 0;
    }

    private static async Task RunSessionsAsync(PlacementService.PlacementServiceClient placement, Metadata gateway, string prefix, int sessions, int turns)
    {
        var next = -1;
        var workers = Enumerable.Range(0, 16).Select(async _ =>
        {
            int session;
            while ((session = Interlocked.Increment(ref next)) < sessions)
            {
                for (var turn = 0; turn < turns; turn++)
                {
                    var id = $"{prefix}-{session}";
                    while (true)
                    {
                        try
                        {
                            var placed = await placement.PlaceAsync(new PlaceRequest
                            {
                                Deployment = Deployment, SessionId = id, TenantId = $"tenant-{session % 50}", Plan = BenchHosts.UnlimitedPlan,
                                PromptTokens = 1_000, ExpectedOutputTokens = 200,
                            }, gateway);
                            await placement.CompleteAsync(new CompleteRequest
                            {
                                SessionId = id, TenantId = $"tenant-{session % 50}", PlacementId = placed.Placement.PlacementId, PromptTokens = 1_000, OutputTokens = 200,
                            }, gateway);
                            break;
                        }
                        catch (RpcException ex) when (ex.StatusCode is StatusCode.ResourceExhausted or StatusCode.Unavailable)
                        {
                            await Task.Delay(20);
                        }
                    }
                }
            }
        });
        await Task.WhenAll(workers);
    }

    private static async Task<(long Heap, long Rss, int Sessions)> SampleAsync(IGrainFactory grains, string when)
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var heap = GC.GetTotalMemory(false);
        using var process = Process.GetCurrentProcess();
        var rss = process.WorkingSet64;
        var sessions = await SessionActivationsAsync(grains);
        Console.WriteLine($"  {when}: managed heap {heap / 1048576.0:0.0} MiB, RSS {rss / 1048576.0:0.0} MiB, {sessions:N0} session grains active");
        return (heap, rss, sessions);
    }

    private static async Task<int> SessionActivationsAsync(IGrainFactory grains)
    {
        var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(nameof(SessionGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }
}
