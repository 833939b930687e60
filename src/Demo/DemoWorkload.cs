using System.Diagnostics;
using ControlPlane.Contracts.Placement;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Simulation;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace ControlPlane.Demo;

/// <summary>
/// The demo's traffic, through the real APIs only: declares a fast coding model on the wafers (with two
/// GPU replicas for spillover) and a large coding model on the GPU nodes, then runs interactive users
/// (short turns on the fast model, now and then finishing deep on the large one) and long-horizon agents
/// (minutes-long jobs on the large model), each placed by a gateway, served by the simulated nodes at
/// the performance model's speed, and completed with its token counts.
/// </summary>
public sealed class DemoWorkload(GrpcChannel channel, string operatorToken, string gatewayToken, SimulatedFleet fleet, int wafers, int gpuNodes, TextWriter console)
{
    /// <summary>The fast model's deployment name.</summary>
    public const string FastModel = "fast-coder";

    /// <summary>The large model's deployment name.</summary>
    public const string LargeModel = "large-coder";

    // The large model's 400 GB load takes ~16 s at the simulated agents' 25 GB/s; a stuck load is replaced after minutes.
    private static readonly TimeSpan ReadyWait = TimeSpan.FromSeconds(90);

    private readonly Metadata _operator = new() { { "authorization", $"Bearer {operatorToken}" } };
    private readonly Metadata _gateway = new() { { "authorization", $"Bearer {gatewayToken}" } };
    private long _placedInteractiveWafer;
    private long _placedInteractiveGpu;
    private long _placedLongHorizon;
    private long _refused;
    private long _completed;
    private long _tokens;

    /// <summary>Declares the deployments and drives traffic until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var deployments = new DeploymentService.DeploymentServiceClient(channel);
        await DeclareAsync(deployments, FastCoder(), cancellationToken);
        await DeclareAsync(deployments, LargeCoder(), cancellationToken);
        await WaitUntilReadyAsync(deployments, cancellationToken);

        var users = Math.Max(4, wafers * 3);
        var agents = Math.Max(2, gpuNodes / 2);
        console.WriteLine($"demo workload: {users} interactive users on {FastModel}, {agents} long-horizon agents on {LargeModel}; progress every 10s");
        // Every user and agent places through one persistent PlaceStream, as a gateway would.
        await using var placement = new PlacementStreamClient(new PlacementService.PlacementServiceClient(channel), _gateway);
        var workers = Enumerable.Range(0, users).Select(i => UserAsync(placement, i, cancellationToken))
            .Concat(Enumerable.Range(0, agents).Select(i => AgentAsync(placement, i, cancellationToken)))
            .Append(ReportAsync(cancellationToken))
            .ToArray();
        try
        {
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The demo is stopping.
        }
    }

    private Deployment FastCoder()
    {
        var d = new Deployment
        {
            Name = FastModel,
            Model = "fast-coder-32b",
            Parameters = 32_000_000_000,
            Layers = 64,
            Precision = Precision.Bf16,
            KvBytesPerToken = 262_144,
            ContextWindowTokens = 8_192,
            AllowedClasses = { HardwareClass.WaferScale, HardwareClass.Gpu },
            DesiredReplicas = Math.Max(1, wafers / 2) + (gpuNodes > 2 ? 2 : 0), // every wafer pair, plus two GPU replicas to spill onto
            MinReplicas = 1,
            Slo = Slo(firstToken: 1, minTokensPerSecond: 100),
            EntitledPlans = { "pro", "enterprise" },
            DefaultLatencyClass = LatencyClass.Interactive,
        };
        return d;
    }

    private Deployment LargeCoder() => new()
    {
        Name = LargeModel,
        Model = "large-coder-400b",
        Parameters = 400_000_000_000,
        Layers = 96,
        Precision = Precision.Fp8,
        KvBytesPerToken = 196_608,
        ContextWindowTokens = 65_536,
        AllowedClasses = { HardwareClass.Gpu },
        DesiredReplicas = Math.Max(1, (gpuNodes - 1) / 2),
        MinReplicas = 0,
        Slo = Slo(firstToken: 5, minTokensPerSecond: 40),
        DefaultLatencyClass = LatencyClass.LongHorizon,
    };

    // Load before the replicas are loaded would only be refused (no ready replica): wait for every deployment's
    // replicas, saying what is still loading, and start anyway after a while so a stuck load cannot stall the demo.
    private async Task WaitUntilReadyAsync(DeploymentService.DeploymentServiceClient client, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var states = new List<(string Name, int Ready, int Desired)>();
            foreach (var name in new[] { FastModel, LargeModel })
            {
                var deployment = await client.GetDeploymentAsync(new GetDeploymentRequest { Name = name }, _operator, cancellationToken: cancellationToken);
                states.Add((name, deployment.Replicas.Count(r => r.State == ReplicaState.ReplicaReady), deployment.DesiredReplicas));
            }

            var summary = string.Join(", ", states.Select(s => $"{s.Name} {s.Ready}/{s.Desired}"));
            if (states.All(s => s.Ready >= s.Desired))
            {
                console.WriteLine($"deployments ready after {clock.Elapsed.TotalSeconds:0.0}s ({summary} replicas); starting the load");
                return;
            }

            if (clock.Elapsed > ReadyWait)
            {
                console.WriteLine($"deployments not all ready after {ReadyWait.TotalSeconds:0}s ({summary} replicas); starting the load anyway: " +
                    "see 'cpctl deployments list' for what is still loading");
                return;
            }

            if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(5))
            {
                lastReport = clock.Elapsed;
                console.WriteLine($"waiting for replicas to load before starting the load: {summary} ready");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private static ServiceLevelObjective Slo(double firstToken, double minTokensPerSecond) => new()
    {
        TimeToFirstToken = Duration.FromTimeSpan(TimeSpan.FromSeconds(firstToken)),
        MinTokensPerSecond = minTokensPerSecond,
        LongHorizonCompletion = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)),
    };

    private async Task DeclareAsync(DeploymentService.DeploymentServiceClient client, Deployment deployment, CancellationToken cancellationToken)
    {
        try
        {
            await client.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = $"demo-{deployment.Name}", Deployment = deployment }, _operator, cancellationToken: cancellationToken);
            console.WriteLine($"declared {deployment.Name}: {deployment.Model}, {deployment.DesiredReplicas} replica(s)");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
        {
            // A restarted demo against the same cluster keeps what it declared.
        }
    }

    // One interactive user: short turns with think time; every tenth conversation finishes deep on the large model.
    private async Task UserAsync(PlacementStreamClient client, int user, CancellationToken cancellationToken)
    {
        var random = new Random(user);
        var conversation = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var session = $"user-{user}-conv-{conversation++}";
            var turns = random.Next(3, 9);
            for (var turn = 0; turn < turns && !cancellationToken.IsCancellationRequested; turn++)
            {
                var prompt = 1_000 + turn * 800 + random.Next(500);
                await TurnAsync(client, session, $"tenant-{user % 5}", FastModel, ReasoningEffort.Low, prompt, random.Next(200, 1_200), cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 2_000)), cancellationToken);
            }

            if (conversation % 10 == 0)
            {
                await TurnAsync(client, session, $"tenant-{user % 5}", LargeModel, ReasoningEffort.High, 6_000, random.Next(800, 2_000), cancellationToken);
            }
        }
    }

    // One long-horizon agent: minutes-long jobs on the large model, renewing the placement while they run.
    private async Task AgentAsync(PlacementStreamClient client, int agent, CancellationToken cancellationToken)
    {
        var random = new Random(10_000 + agent);
        var job = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await TurnAsync(client, $"agent-{agent}-job-{job++}", $"tenant-{agent % 3}", LargeModel, ReasoningEffort.Xhigh, 20_000 + random.Next(20_000), random.Next(1_500, 6_000), cancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 3_000)), cancellationToken);
        }
    }

    private async Task TurnAsync(PlacementStreamClient client, string session, string tenant, string deployment, ReasoningEffort effort, int prompt, int output, CancellationToken cancellationToken)
    {
        PlaceResponse placed;
        try
        {
            placed = await client.PlaceAsync(new PlaceRequest
            {
                SessionId = session, TenantId = tenant, Plan = "enterprise", Deployment = deployment, ReasoningEffort = effort,
                PromptTokens = prompt, ExpectedOutputTokens = output,
            }, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.ResourceExhausted or StatusCode.Unavailable)
        {
            Interlocked.Increment(ref _refused);
            var retry = ex.GetRpcStatus()?.GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay?.ToTimeSpan() ?? TimeSpan.FromSeconds(1);
            await Task.Delay(retry, cancellationToken);
            return;
        }

        var p = placed.Placement;
        if (placed.LatencyClass == LatencyClass.LongHorizon)
        {
            Interlocked.Increment(ref _placedLongHorizon);
        }
        else if (p.HardwareClass == HardwareClass.WaferScale)
        {
            Interlocked.Increment(ref _placedInteractiveWafer);
        }
        else
        {
            Interlocked.Increment(ref _placedInteractiveGpu);
        }

        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renew = RenewAsync(client, session, tenant, p.PlacementId, renewing.Token);
        await fleet.ServeAsync(p.Endpoint, prompt, output, cancellationToken);
        await renewing.CancelAsync();
        await renew;
        await client.CompleteAsync(new CompleteRequest { SessionId = session, TenantId = tenant, PlacementId = p.PlacementId, PromptTokens = prompt, OutputTokens = output },
            cancellationToken);
        Interlocked.Increment(ref _completed);
        Interlocked.Add(ref _tokens, output);
    }

    private async Task RenewAsync(PlacementStreamClient client, string session, string tenant, string placementId, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
                await client.RenewAsync(new RenewRequest { SessionId = session, TenantId = tenant, PlacementId = placementId }, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The job finished (or the demo stops).
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            // Same.
        }
    }

    private async Task ReportAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long lastTokens = 0;
        var lastAt = TimeSpan.Zero;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
            var tokens = Interlocked.Read(ref _tokens);
            var now = clock.Elapsed;
            var rate = (tokens - lastTokens) / (now - lastAt).TotalSeconds;
            (lastTokens, lastAt) = (tokens, now);
            console.WriteLine(
                $"[{now:mm\\:ss}] placed: interactive {Interlocked.Read(ref _placedInteractiveWafer):N0} on wafers + {Interlocked.Read(ref _placedInteractiveGpu):N0} spilled to GPUs, " +
                $"long-horizon {Interlocked.Read(ref _placedLongHorizon):N0} on GPUs | completed {Interlocked.Read(ref _completed):N0} | refused {Interlocked.Read(ref _refused):N0} | {rate:N0} output tok/s");
        }
    }
}
