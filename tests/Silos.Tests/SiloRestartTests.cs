using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Connection;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Silos.Tests;

/// <summary>A silo that goes away and comes back on the same address and the same store (its SQLite file, or a Cosmos DB container).</summary>
public sealed class SiloRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cp-restart-").FullName;
    private string[] _store = [];

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Cosmos")]
    public async Task State_survives_a_restart_and_agents_reconnect_with_backoff_and_register_again(string store)
    {
        await using var cosmos = store == "Cosmos" ? await CosmosServer.StartAsync() : null;
        _store = cosmos is null ? [] :
        [
            "--ControlPlane:Storage:Provider=Cosmos", $"--ControlPlane:Storage:Cosmos:AccountEndpoint={cosmos.Endpoint}",
            $"--ControlPlane:Storage:Cosmos:AccountKey={cosmos.Key}", "--ControlPlane:Storage:Cosmos:CreateResources=true",
            "--ControlPlane:Storage:Cosmos:AcceptLocalServerCertificate=true",
        ];
        var ports = FreePorts.Take(4);
        var grpcPort = ports[0];
        var first = Silo(grpcPort, ports[1], ports[2]);
        await first.StartAsync();
        var endpoint = first.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        var operatorToken = Operator(first);
        await using var fleet = SimulatedFleet.Create(endpoint, DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = 1, GpuNodes = 2, NamePrefix = "restart", GpuSku = "h200", LoadBytesPerSecond = 1e12 }, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        await Eventually.Until(() => fleet.ConnectedCount == 3, TimeSpan.FromSeconds(20), "the fleet to connect");
        using (var channel = GrpcChannel.ForAddress(endpoint))
        {
            await new DeploymentService.DeploymentServiceClient(channel).CreateDeploymentAsync(
                new CreateDeploymentRequest { RequestId = "create-kept", Deployment = Models.SmallGpuModel("kept-model") }, operatorToken);
            await new FleetService.FleetServiceClient(channel).CordonAcceleratorsAsync(
                new AcceleratorActionRequest { AcceleratorIds = { "restart-wafer-000-cs3" }, Reason = "bad fan", RequestId = "cordon-kept" }, operatorToken);
        }

        await first.StopAsync();
        await first.DisposeAsync();
        await Eventually.Until(() => fleet.Agents.All(a => a.State is NodeAgentState.BackingOff or NodeAgentState.Registering),
            TimeSpan.FromSeconds(20), "every agent to notice the silo is gone");
        Assert.All(fleet.Agents, a => Assert.NotNull(a.LastError));

        var second = Silo(grpcPort, ports[3], FreePorts.Take(1)[0]);
        await second.StartAsync();
        try
        {
            await Eventually.Until(() => fleet.Agents.All(a => a.State == NodeAgentState.Connected && a.Connections >= 2),
                TimeSpan.FromSeconds(30), "every agent to reconnect to the new silo");
            using var channel = GrpcChannel.ForAddress(endpoint);
            var token = Operator(second);
            var listed = await Eventually.Until(
                () => new FleetService.FleetServiceClient(channel).ListAcceleratorsAsync(new ListAcceleratorsRequest(), token).ResponseAsync,
                r => r.Accelerators.Count(a => a.State == AcceleratorState.Active) == 2 && r.Accelerators.Any(a => a.State == AcceleratorState.Cordoned),
                TimeSpan.FromSeconds(20), "the new silo to know all 3 again, the wafer still cordoned");
            var deployment = await Eventually.Until(
                () => new DeploymentService.DeploymentServiceClient(channel).GetDeploymentAsync(new GetDeploymentRequest { Name = "kept-model" }, token).ResponseAsync,
                d => d.Replicas.Count == 1 && d.Replicas[0].State == ReplicaState.ReplicaReady, TimeSpan.FromSeconds(20), "the deployment to be ready again");
            var retried = await new FleetService.FleetServiceClient(channel).CordonAcceleratorsAsync(
                new AcceleratorActionRequest { AcceleratorIds = { "restart-wafer-000-cs3" }, Reason = "bad fan", RequestId = "cordon-kept" }, token);
            var audit = await new AuditService.AuditServiceClient(channel).ListAuditEntriesAsync(new ListAuditEntriesRequest { Target = "restart-wafer-000-cs3" }, token);
            using var http = new HttpClient();
            var metrics = await http.GetStringAsync(new Uri(second.Services.GetRequiredService<BoundEndpoints>().HttpAddress, "/metrics"));

            Assert.Equal(["restart-gpu-000", "restart-gpu-001", "restart-wafer-000-cs3"], listed.Accelerators.Select(a => a.AcceleratorId));
            Assert.Contains("bad fan", listed.Accelerators.Single(a => a.State == AcceleratorState.Cordoned).StateReason);
            Assert.Equal(1, deployment.DesiredReplicas);
            var cordoned = listed.Accelerators.Single(a => a.State == AcceleratorState.Cordoned);
            Assert.Equal(cordoned.StateChangeTime, Assert.Single(retried.Accelerators).StateChangeTime); // the retry across the restart acted once
            Assert.Equal(["cordon-kept", "cordon-kept"], audit.Entries.Select(e => e.RequestId)); // both calls on record, from before and after the restart
            Assert.Matches($"controlplane_storage_operations_total{{provider=\"{store.ToLowerInvariant()}\",operation=\"write\"}} [1-9]", metrics);
        }
        finally
        {
            await fleet.StopAsync();
            await second.StopAsync();
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_restart_lease_checks_resume_on_their_own_giving_nodes_a_full_lease_first()
    {
        var ports = FreePorts.Take(5);
        var first = Silo(ports[0], ports[1], ports[2]);
        await first.StartAsync();
        var endpoint = first.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        var fleet = SimulatedFleet.Create(endpoint, DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = 2, GpuNodes = 0, NamePrefix = "asleep" }, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        await Eventually.Until(() => fleet.ConnectedCount == 2, TimeSpan.FromSeconds(20), "the fleet to connect");
        await fleet.DisposeAsync(); // the nodes are gone for good
        await first.StopAsync();
        await first.DisposeAsync();

        // Nobody calls the new silo: only its own wake-up and lease timers can mark the nodes Lost.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var second = Silo(ports[0], ports[3], ports[4]);
        await second.StartAsync();
        try
        {
            await second.Services.GetRequiredService<ControlPlane.Grains.Hosting.FleetWakeUp>().Completion.WaitAsync(TimeSpan.FromSeconds(20));
            var grains = second.Services.GetRequiredService<IGrainFactory>();
            var lost = await Eventually.Until(
                async () => await Task.WhenAll(new[] { "asleep-wafer-000-cs3", "asleep-wafer-001-cs3" }.Select(id => grains.GetGrain<ControlPlane.Grains.Accelerators.IAcceleratorGrain>(id).GetAsync())),
                views => views.All(v => v!.State == ControlPlane.Grains.Accelerators.AcceleratorState.Lost), TimeSpan.FromSeconds(20), "the silent nodes to be marked Lost");

            Assert.True(started.Elapsed >= ControlPlaneFixture.Lease, $"marked Lost {started.Elapsed} after the restart, within one lease of it");
            Assert.All(lost, v => Assert.StartsWith("lease expired", v!.StateReason));
        }
        finally
        {
            await second.StopAsync();
            await second.DisposeAsync();
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private WebApplication Silo(int grpcPort, int siloPort, int gatewayPort) => ControlPlaneHost.Build(
    [
        .. ControlPlaneFixture.Arguments(siloPort, gatewayPort).Where(a => !a.StartsWith("--ControlPlane:Endpoints:GrpcPort") && !a.StartsWith("--ControlPlane:Storage")),
        $"--ControlPlane:Endpoints:GrpcPort={grpcPort}",
        $"--ControlPlane:Storage:Sqlite:Path={Path.Combine(_dir, "state.db")}",
        .. _store,
    ]);

    private static Metadata Operator(WebApplication silo) =>
        new() { { "authorization", $"Bearer {silo.Services.GetRequiredService<Security.TokenAuthenticator>().Issue(CallerRole.Operator, "test")}" } };
}
