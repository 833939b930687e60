using System.Diagnostics;
using System.Globalization;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Replicas;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Bench;

// Drain benchmark (issue 5): how long `drain` takes to reach Drained for an idle accelerator and for one
// serving sessions, how many sessions move, and that no placed turn is dropped. The silo runs with its
// production defaults (reconcile 2 s, lease check 1 s, heartbeat 5 s); simulated agents serve every turn
// for as long as the performance model says.
//
//   dotnet run -c Release --project bench/ControlPlane.Bench -- drain [--rounds 3] [--sessions 24] [--output-tokens 1000]
internal static class DrainBenchmark
{
    private const string Deployment = "fast-coder";

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = BenchHosts.Arg(args, "--rounds", 3);
        var sessions = BenchHosts.Arg(args, "--sessions", 24);
        var outputTokens = BenchHosts.Arg(args, "--output-tokens", 1_000);
        if (rounds < 1 || sessions is < 1 or > 1_000 || outputTokens is < 1 or > 8_000)
        {
            Console.Error.WriteLine("usage: ControlPlane.Bench drain [--rounds N>=1] [--sessions 1..1000] [--output-tokens 1..8000]");
            return 2;
        }

        Console.WriteLine($"drain: {rounds} round(s); {sessions} sessions in a loop of Place, serve {outputTokens} output tokens, Complete");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}, .NET {Environment.Version}");

        await using var silo = await BenchHosts.StartSiloAsync();
        var address = silo.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        var tokens = silo.Services.GetRequiredService<TokenAuthenticator>();

        // 8 wafers: three two-wafer replicas of the 32B model and one spare pair for the replacement.
        await using var fleet = SimulatedFleet.Create(address, DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = 8, GpuNodes = 0, NamePrefix = "drain", LoadBytesPerSecond = 25e9 }, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
        var operatorHeaders = new Metadata { { "authorization", $"Bearer {tokens.Issue(CallerRole.Operator, "bench")}" } };
        var gatewayHeaders = new Metadata { { "authorization", $"Bearer {tokens.Issue(CallerRole.Gateway, "bench")}" } };
        var fleetClient = new FleetService.FleetServiceClient(channel);
        var deployments = new DeploymentService.DeploymentServiceClient(channel);
        await BenchHosts.DeclareFastCoderAsync(deployments, operatorHeaders, Deployment, replicas: 3, minReplicas: 2);
        Console.WriteLine("fleet registered, fast-coder has 3 ready replicas");

        var load = new SessionLoad(new PlacementService.PlacementServiceClient(channel), gatewayHeaders, fleet, outputTokens);
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, sessions).Select(i => load.RunAsync($"drain-s{i}", stop.Token)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(3)); // warm up: every session has a sticky replica

        Console.WriteLine();
        Console.WriteLine("round  idle drain  loaded drain  in flight  sessions moved off  dropped");
        var idleTimes = new List<double>();
        var loadedTimes = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var deployment = await deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = Deployment }, operatorHeaders);
            var hosting = deployment.Replicas.SelectMany(r => r.AcceleratorIds).ToHashSet();
            var all = await fleetClient.ListAcceleratorsAsync(new ListAcceleratorsRequest { PageSize = 100 }, operatorHeaders);
            var idle = all.Accelerators.First(a => !hosting.Contains(a.AcceleratorId) && a.State == AcceleratorState.Active).AcceleratorId;
            var idleTime = await DrainAsync(fleetClient, operatorHeaders, idle, $"idle-{round}");
            await ResumeAsync(fleetClient, deployments, operatorHeaders, idle, $"idle-{round}");

            all = await fleetClient.ListAcceleratorsAsync(new ListAcceleratorsRequest { PageSize = 100 }, operatorHeaders);
            var busiest = all.Accelerators.Where(a => hosting.Contains(a.AcceleratorId) && a.Replicas.Any(r => r.Primary))
                .OrderByDescending(a => a.Replicas.Sum(r => r.ReservedSlots)).First();
            var inFlight = (await fleetClient.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = busiest.AcceleratorId }, operatorHeaders))
                .Replicas.Sum(r => r.ReservedSlots);
            var drainedReplica = busiest.Replicas.First(r => r.Primary).ReplicaId;
            var movedBefore = load.MovesFrom.GetValueOrDefault(drainedReplica);
            var droppedBefore = load.Dropped;
            var loadedTime = await DrainAsync(fleetClient, operatorHeaders, busiest.AcceleratorId, $"loaded-{round}");
            await Task.Delay(TimeSpan.FromSeconds(2)); // sessions take their next turn elsewhere
            var moved = load.MovesFrom.GetValueOrDefault(drainedReplica) - movedBefore;
            var dropped = load.Dropped - droppedBefore;
            await ResumeAsync(fleetClient, deployments, operatorHeaders, busiest.AcceleratorId, $"loaded-{round}");

            idleTimes.Add(idleTime.TotalSeconds);
            loadedTimes.Add(loadedTime.TotalSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{round,5}  {idleTime.TotalSeconds,9:F2}s  {loadedTime.TotalSeconds,11:F2}s  {inFlight,9}  {moved,18}  {dropped,7}"));
        }

        await stop.CancelAsync();
        await Task.WhenAll(loops);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median: idle {Median(idleTimes):F2}s, under load {Median(loadedTimes):F2}s; {load.Completed} turns completed, {load.Dropped} dropped, " +
            $"{load.Moved} session moves in all, {load.Retried} placements retried"));
        foreach (var (reason, count) in load.RetryReasons.OrderByDescending(r => r.Value).Take(3))
        {
            Console.WriteLine($"  retried {count}x: {reason}");
        }

        return load.Dropped == 0 ? 0 : 1;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<TimeSpan> DrainAsync(FleetService.FleetServiceClient client, Metadata headers, string id, string tag)
    {
        var clock = Stopwatch.StartNew();
        await client.DrainAcceleratorsAsync(new DrainAcceleratorsRequest { AcceleratorIds = { id }, Reason = "benchmark", RequestId = $"bench-drain-{tag}" }, headers);
        while ((await client.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = id }, headers)).State != AcceleratorState.Drained)
        {
            await Task.Delay(10);
        }

        return clock.Elapsed;
    }

    // Resumes the accelerator and waits until the deployment again has three ready replicas on active hardware.
    private static async Task ResumeAsync(FleetService.FleetServiceClient client, DeploymentService.DeploymentServiceClient deployments, Metadata headers, string id, string tag)
    {
        await client.ResumeAcceleratorsAsync(new AcceleratorActionRequest { AcceleratorIds = { id }, Reason = "benchmark", RequestId = $"bench-resume-{tag}" }, headers);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = Deployment }, headers)) is var d
            && (d.ReadyReplicas < 3 || d.Replicas.Count != 3))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the deployment did not get back to 3 ready replicas within 60 s");
            }

            await Task.Delay(50);
        }
    }

    // Gateways: each session places a turn, serves it on the simulated node, and completes it, forever.
    private sealed class SessionLoad(PlacementService.PlacementServiceClient placement, Metadata headers, SimulatedFleet fleet, int outputTokens)
    {
        private int _completed;
        private int _dropped;
        private int _retried;
        private int _moved;

        public int Completed => Volatile.Read(ref _completed);

        public int Dropped => Volatile.Read(ref _dropped);

        public int Retried => Volatile.Read(ref _retried);

        public int Moved => Volatile.Read(ref _moved);

        public System.Collections.Concurrent.ConcurrentDictionary<string, int> RetryReasons { get; } = new();

        // Session moves by the replica they left: moves off a drained replica are the drain's doing.
        public System.Collections.Concurrent.ConcurrentDictionary<string, int> MovesFrom { get; } = new();

        public async Task RunAsync(string session, CancellationToken stop)
        {
            string? last = null;
            while (!stop.IsCancellationRequested)
            {
                PlaceResponse placed;
                try
                {
                    placed = await placement.PlaceAsync(new PlaceRequest
                    {
                        Deployment = Deployment, SessionId = session, TenantId = "bench", Plan = "enterprise", PromptTokens = 2_000, ExpectedOutputTokens = outputTokens,
                    }, headers);
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted)
                {
                    Interlocked.Increment(ref _retried);
                    RetryReasons.AddOrUpdate(ex.Status.Detail.Split(';')[0], 1, (_, n) => n + 1);
                    await Task.Delay(100, CancellationToken.None);
                    continue;
                }

                if (last is not null && last != placed.Placement.ReplicaId)
                {
                    Interlocked.Increment(ref _moved);
                    MovesFrom.AddOrUpdate(last, 1, (_, n) => n + 1);
                }

                last = placed.Placement.ReplicaId;
                var served = await fleet.ServeAsync(placed.Placement.Endpoint, 2_000, outputTokens, CancellationToken.None);
                try
                {
                    await placement.CompleteAsync(new CompleteRequest
                    {
                        SessionId = session, TenantId = "bench", PlacementId = placed.Placement.PlacementId, PromptTokens = 2_000, OutputTokens = outputTokens,
                    }, headers);
                }
                catch (RpcException)
                {
                    served = ServeOutcome.Refused;
                }

                Interlocked.Increment(ref served == ServeOutcome.Completed ? ref _completed : ref _dropped);
                await Task.Delay(200, CancellationToken.None); // the user reads the answer
            }
        }
    }
}
