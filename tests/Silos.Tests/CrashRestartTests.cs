using System.Diagnostics;
using System.Globalization;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace ControlPlane.Silos.Tests;

/// <summary>
/// The real silo process on its default store (SQLite), and on Cosmos DB, killed with SIGKILL at seeded random moments while an
/// operator acts on it, and started again on the same file each time. Nothing acknowledged may be lost.
/// </summary>
public sealed class CrashRestartTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 20261208;
    private static readonly string[] Wafers = ["crash-wafer-000-cs3", "crash-wafer-001-cs3", "crash-wafer-002-cs3"];

    private readonly string _dir = Directory.CreateTempSubdirectory("cp-crash-").FullName;
    private readonly Metadata _operator = new() { { "authorization", $"Bearer {BearerToken.Issue(DevelopmentSigningKey.Bytes, CallerRole.Operator, "crash-test")}" } };
    private readonly int _grpcPort = FreePorts.Take(1)[0];
    private Process? _silo;

    private string[] _store = [];

    [Theory]
    [InlineData("Sqlite", 20)]
    [InlineData("Cosmos", 6)]
    public async Task A_silo_killed_mid_action_again_and_again_loses_nothing_it_acknowledged(string store, int kills)
    {
        await using var cosmos = store == "Cosmos" ? await CosmosServer.StartAsync() : null;
        _store = cosmos is null ? [$"--ControlPlane:Storage:Sqlite:Path={Path.Combine(_dir, "state.db")}"] :
        [
            "--ControlPlane:Storage:Provider=Cosmos", $"--ControlPlane:Storage:Cosmos:AccountEndpoint={cosmos.Endpoint}",
            $"--ControlPlane:Storage:Cosmos:AccountKey={cosmos.Key}", "--ControlPlane:Storage:Cosmos:CreateResources=true",
            "--ControlPlane:Storage:Cosmos:AcceptLocalServerCertificate=true",
        ];
        var rng = new Random(Seed);
        var model = new OperatorModel();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_grpcPort}");
        var client = new OperatorClient(new FleetService.FleetServiceClient(channel), new DeploymentService.DeploymentServiceClient(channel), _operator);
        await StartSiloAsync(channel);
        await using var fleet = SimulatedFleet.Create(new Uri($"http://127.0.0.1:{_grpcPort}"), DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = 3, GpuNodes = 2, NamePrefix = "crash", GpuSku = "h200", LoadBytesPerSecond = 1e12 }, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        await Eventually.Until(() => fleet.ConnectedCount == 5, TimeSpan.FromSeconds(30), "the fleet to connect");

        var losses = new List<string>();
        var retriedAcrossCrash = 0;
        var turns = 0;
        for (var kill = 1; kill <= kills; kill++)
        {
            // Act until the kill, which lands at a seeded random moment, usually mid-call.
            using var stop = new CancellationTokenSource();
            var acting = client.ActUntilAsync(model, rng, stop.Token);
            await Task.Delay(rng.Next(50, 700));
            _silo!.Kill();
            await _silo.WaitForExitAsync();
            await stop.CancelAsync();
            var inDoubt = await acting;

            await StartSiloAsync(channel);
            if (inDoubt is not null)
            {
                // The client retries what it sent with the same request id; the answer decides.
                await client.SettleAsync(inDoubt, model);
                retriedAcrossCrash++;
            }

            losses.AddRange(await LossesAsync(client, model, channel));
            if (model.Deployments.Count > 0)
            {
                // The same session goes on after every restart: resumed where it was, or placed again.
                await TurnAsync(channel, model.Deployments.Keys.First());
                turns++;
            }

            output.WriteLine($"kill {kill}: {model.Acknowledged.Count} action(s) acknowledged so far, {losses.Count} lost, {turns} session turn(s) after restarts");
        }

        // After the last restart: drains in progress reach their deadline, deployments their desired replicas.
        await Eventually.Until(client.WafersAsync,
            wafers => wafers.Where(w => model.Wafer(w.AcceleratorId) == WaferState.Draining).All(w => w.State == AcceleratorState.Drained),
            TimeSpan.FromSeconds(30), "every drain to reach its deadline");
        foreach (var (name, desired) in model.Deployments)
        {
            await Eventually.Until(() => client.DeploymentAsync(name), d => d.ReadyReplicas == desired, TimeSpan.FromSeconds(30), $"{name} to be back at {desired} ready replica(s)");
        }

        await Eventually.Until(() => fleet.ConnectedCount == 5, TimeSpan.FromSeconds(30), "every agent to have reconnected on its own");
        output.WriteLine($"{store}: {kills} kills, {model.Acknowledged.Count} acknowledged actions checked after every restart, {retriedAcrossCrash} retried across a crash, {losses.Count} lost");
        Assert.True(losses.Count == 0, string.Join("\n", losses));
        Assert.True(model.Acknowledged.Count >= 2 * kills, $"only {model.Acknowledged.Count} actions were acknowledged");
        Assert.True(retriedAcrossCrash > 0, "no action was in flight at any kill");
        Assert.True(turns >= kills - 2, $"the session took a turn after only {turns} of {kills} restarts");
        await fleet.StopAsync();
    }

    // One turn of the test's session: placed (retrying while replicas come back after the restart), then completed.
    private static async Task TurnAsync(GrpcChannel channel, string deployment)
    {
        var gateway = new Metadata { { "authorization", $"Bearer {BearerToken.Issue(DevelopmentSigningKey.Bytes, CallerRole.Gateway, "crash-gateway")}" } };
        var placement = new PlacementService.PlacementServiceClient(channel);
        var placed = await Eventually.Until(async () =>
        {
            try
            {
                return await placement.PlaceAsync(Models.Turn(deployment, "crash-session"), gateway);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.ResourceExhausted or StatusCode.Unavailable)
            {
                return null;
            }
        }, p => p?.Placement is not null, TimeSpan.FromSeconds(30), "the session's next turn to be placed");
        await placement.CompleteAsync(new CompleteRequest
        {
            SessionId = "crash-session", TenantId = "tenant-a", PlacementId = placed!.Placement.PlacementId, PromptTokens = 100, OutputTokens = 10,
        }, gateway);
    }

    public void Dispose()
    {
        if (_silo is { HasExited: false })
        {
            _silo.Kill();
        }

        _silo?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    // Every acknowledged action's effect, checked against the restarted silo (agents given time to reconnect).
    private async Task<IReadOnlyList<string>> LossesAsync(OperatorClient client, OperatorModel model, GrpcChannel channel)
    {
        var losses = new List<string>();
        try
        {
            await Eventually.Until(client.WafersAsync, wafers => wafers.All(model.Matches), TimeSpan.FromSeconds(20), "the wafers' states");
        }
        catch (TimeoutException)
        {
            losses.AddRange((await client.WafersAsync()).Where(w => !model.Matches(w)).Select(w => $"{w.AcceleratorId} is {w.State}, acknowledged {model.Wafer(w.AcceleratorId)}"));
        }

        foreach (var (name, desired) in model.Deployments)
        {
            var deployment = await client.DeploymentAsync(name);
            if (deployment.DesiredReplicas != desired)
            {
                losses.Add($"deployment {name} wants {deployment.DesiredReplicas} replica(s), acknowledged {desired}");
            }
        }

        var audited = new HashSet<string>(StringComparer.Ordinal);
        var audit = new AuditService.AuditServiceClient(channel);
        var request = new ListAuditEntriesRequest { Actor = "crash-test", PageSize = 1000 };
        do
        {
            var page = await audit.ListAuditEntriesAsync(request, _operator);
            audited.UnionWith(page.Entries.Select(e => e.RequestId));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        losses.AddRange(model.Acknowledged.Where(id => !audited.Contains(id)).Select(id => $"acknowledged {id} is not in the audit log"));
        return losses;
    }

    private async Task StartSiloAsync(GrpcChannel channel)
    {
        var ports = FreePorts.Take(2);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments =
        [
            typeof(ControlPlaneHost).Assembly.Location,
            $"--ControlPlane:Endpoints:GrpcPort={_grpcPort}", "--ControlPlane:Endpoints:HttpPort=0",
            $"--ControlPlane:Cluster:SiloPort={ports[0]}", $"--ControlPlane:Cluster:GatewayPort={ports[1]}",
            "--ControlPlane:Fleet:HeartbeatInterval=00:00:00.250", "--ControlPlane:Fleet:LeaseDuration=00:00:10",
            "--ControlPlane:Fleet:LeaseCheckInterval=00:00:00.100", "--ControlPlane:Deployments:ReconcileInterval=00:00:00.250",
            "--Logging:LogLevel:Default=Warning",
            .. _store,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _silo?.Dispose();
        _silo = Process.Start(start)!;
        _silo.OutputDataReceived += (_, _) => { };
        _silo.ErrorDataReceived += (_, _) => { };
        _silo.BeginOutputReadLine();
        _silo.BeginErrorReadLine();
        await Eventually.Until(async () =>
        {
            try
            {
                await new FleetService.FleetServiceClient(channel).ListAcceleratorsAsync(new ListAcceleratorsRequest { PageSize = 1 }, _operator);
                return true;
            }
            catch (RpcException)
            {
                return false;
            }
        }, answered => answered, TimeSpan.FromSeconds(60), "the silo to answer");
    }

    private enum WaferState
    {
        Active,
        Cordoned,
        Draining,
    }

    /// <summary>What the operator was told happened: the last acknowledged state of each wafer and deployment.</summary>
    private sealed class OperatorModel
    {
        private readonly Dictionary<string, WaferState> _wafers = Wafers.ToDictionary(w => w, _ => WaferState.Active, StringComparer.Ordinal);

        public Dictionary<string, int> Deployments { get; } = new(StringComparer.Ordinal);

        public List<string> Acknowledged { get; } = [];

        public WaferState Wafer(string id) => _wafers[id];

        public void Set(string wafer, WaferState state) => _wafers[wafer] = state;

        public bool Matches(Accelerator accelerator) => _wafers[accelerator.AcceleratorId] switch
        {
            WaferState.Active => accelerator.State == AcceleratorState.Active,
            WaferState.Cordoned => accelerator.State == AcceleratorState.Cordoned,
            _ => accelerator.State is AcceleratorState.Draining or AcceleratorState.Drained,
        };
    }

    /// <summary>An action sent: what it was, its request id, and what it means for the model once answered.</summary>
    private sealed record Sent(string RequestId, Func<Task> Call, Action<OperatorModel> Applied);

    /// <summary>Picks legal actions from the model, sends them, and records what was acknowledged.</summary>
    private sealed class OperatorClient(FleetService.FleetServiceClient fleet, DeploymentService.DeploymentServiceClient deployments, Metadata token)
    {
        private int _sequence;

        public async Task<IReadOnlyList<Accelerator>> WafersAsync() =>
            (await fleet.ListAcceleratorsAsync(new ListAcceleratorsRequest { HardwareClass = HardwareClass.WaferScale }, token)).Accelerators
                .Where(a => Wafers.Contains(a.AcceleratorId)).ToArray();

        public async Task<Deployment> DeploymentAsync(string name) => await deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = name }, token);

        // Acts until stopped; returns the action in flight when the silo went away (null if none was).
        public async Task<Sent?> ActUntilAsync(OperatorModel model, Random rng, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var sent = Next(model, rng);
                try
                {
                    await sent.Call();
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled or StatusCode.Unknown)
                {
                    return sent;
                }

                sent.Applied(model);
                model.Acknowledged.Add(sent.RequestId);
            }

            return null;
        }

        public async Task SettleAsync(Sent sent, OperatorModel model)
        {
            await sent.Call();
            sent.Applied(model);
            model.Acknowledged.Add(sent.RequestId);
        }

        private Sent Next(OperatorModel model, Random rng)
        {
            var id = $"crash-{++_sequence:D4}";
            if (rng.Next(3) == 0)
            {
                var creating = model.Deployments.Count < 4 && (model.Deployments.Count == 0 || rng.Next(2) == 0);
                var name = creating ? $"crash-model-{model.Deployments.Count}" : model.Deployments.Keys.ElementAt(rng.Next(model.Deployments.Count));
                if (creating)
                {
                    return new Sent(id, () => deployments.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = id, Deployment = Models.SmallGpuModel(name) }, token).ResponseAsync,
                        m => m.Deployments[name] = 1);
                }

                var replicas = rng.Next(1, 3);
                return new Sent(id, () => deployments.ScaleDeploymentAsync(new ScaleDeploymentRequest { RequestId = id, Name = name, DesiredReplicas = replicas }, token).ResponseAsync,
                    m => m.Deployments[name] = replicas);
            }

            var wafer = Wafers[rng.Next(Wafers.Length)];
            var request = new AcceleratorActionRequest { AcceleratorIds = { wafer }, RequestId = id, Reason = "crash test" };
            return (model.Wafer(wafer), rng.Next(2)) switch
            {
                (WaferState.Active, 0) => new Sent(id, () => fleet.CordonAcceleratorsAsync(request, token).ResponseAsync, m => m.Set(wafer, WaferState.Cordoned)),
                (WaferState.Cordoned, 0) => new Sent(id, () => fleet.UncordonAcceleratorsAsync(request, token).ResponseAsync, m => m.Set(wafer, WaferState.Active)),
                (WaferState.Active or WaferState.Cordoned, _) => new Sent(id, () => fleet.DrainAcceleratorsAsync(new DrainAcceleratorsRequest
                {
                    AcceleratorIds = { wafer }, RequestId = id, Reason = "crash test", Deadline = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
                }, token).ResponseAsync, m => m.Set(wafer, WaferState.Draining)),
                _ => new Sent(id, () => fleet.ResumeAcceleratorsAsync(request, token).ResponseAsync, m => m.Set(wafer, WaferState.Active)),
            };
        }
    }
}
