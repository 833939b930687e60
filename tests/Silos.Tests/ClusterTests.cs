using System.Diagnostics;
using System.Globalization;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Silos.Tests;

/// <summary>Three real silo processes on real Redis membership, sharing one Cosmos DB container.</summary>
public sealed class ClusterTests : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly Metadata _operator = new() { { "authorization", $"Bearer {BearerToken.Issue(DevelopmentSigningKey.Bytes, CallerRole.Operator, "cluster-test")}" } };

    [Fact]
    public async Task Three_silos_on_redis_form_one_cluster_and_every_silo_answers_the_same_state()
    {
        var redisPort = FreePorts.Take(1)[0];
        Start("redis-server", "--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");
        await using var cosmos = await CosmosServer.StartAsync();
        var clusterId = $"cluster-{Guid.NewGuid():N}"[..24];
        var grpcPorts = FreePorts.Take(3);
        foreach (var grpcPort in grpcPorts)
        {
            var ports = FreePorts.Take(2);
            Start("dotnet", typeof(ControlPlaneHost).Assembly.Location,
                $"--ControlPlane:Endpoints:GrpcPort={grpcPort}", "--ControlPlane:Endpoints:HttpPort=0",
                $"--ControlPlane:Cluster:SiloPort={ports[0]}", $"--ControlPlane:Cluster:GatewayPort={ports[1]}",
                $"--ControlPlane:Cluster:ClusterId={clusterId}", "--ControlPlane:Cluster:Provider=Redis",
                $"--ControlPlane:Cluster:Redis:ConnectionString=127.0.0.1:{redisPort}",
                "--ControlPlane:Storage:Provider=Cosmos", $"--ControlPlane:Storage:Cosmos:AccountEndpoint={cosmos.Endpoint}",
                $"--ControlPlane:Storage:Cosmos:AccountKey={cosmos.Key}", "--ControlPlane:Storage:Cosmos:CreateResources=true",
                "--ControlPlane:Storage:Cosmos:AcceptLocalServerCertificate=true", "--Logging:LogLevel:Default=Warning");
        }

        var channels = grpcPorts.Select(p => GrpcChannel.ForAddress($"http://127.0.0.1:{p}")).ToArray();
        try
        {
            foreach (var channel in channels)
            {
                await Eventually.Until(() => Answers(channel), answered => answered, TimeSpan.FromSeconds(60), "every silo to answer");
            }

            // One cluster: Redis' membership table lists the three silos, each Active (status 3).
            var members = await Eventually.Until(() => RedisAsync(redisPort, "HGETALL", $"controlplane/members/{clusterId}"),
                table => table.Split("\"Status\":3").Length - 1 == 3, TimeSpan.FromSeconds(30), "three active silos in the membership table");
            Assert.Equal(3, members.Split("\"Status\":3").Length - 1);

            await using var fleet = SimulatedFleet.Create(new Uri($"http://127.0.0.1:{grpcPorts[0]}"), DevelopmentSigningKey.Bytes,
                new SimulatedFleetOptions { Wafers = 1, GpuNodes = 1, NamePrefix = "cl", GpuSku = "h200", LoadBytesPerSecond = 1e12 }, TimeProvider.System, NullLoggerFactory.Instance);
            fleet.Start();
            await Eventually.Until(() => fleet.ConnectedCount == 2, TimeSpan.FromSeconds(30), "the fleet to connect to the first silo");

            // Acted on through the third silo, read through every one.
            await new FleetService.FleetServiceClient(channels[2]).CordonAcceleratorsAsync(
                new AcceleratorActionRequest { AcceleratorIds = { "cl-wafer-000-cs3" }, Reason = "cluster test", RequestId = "cl-cordon" }, _operator);
            await new DeploymentService.DeploymentServiceClient(channels[1]).CreateDeploymentAsync(
                new CreateDeploymentRequest { RequestId = "cl-create", Deployment = Models.SmallGpuModel("cl-model") }, _operator);

            foreach (var channel in channels)
            {
                var wafer = await new FleetService.FleetServiceClient(channel).GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = "cl-wafer-000-cs3" }, _operator);
                var deployment = await Eventually.Until(
                    () => new DeploymentService.DeploymentServiceClient(channel).GetDeploymentAsync(new GetDeploymentRequest { Name = "cl-model" }, _operator).ResponseAsync,
                    d => d.ReadyReplicas == 1, TimeSpan.FromSeconds(30), "the deployment to be ready, seen from every silo");
                Assert.Equal(AcceleratorState.Cordoned, wafer.State);
                Assert.Contains("cluster test", wafer.StateReason);
                Assert.Equal("cl-model", deployment.Name);
            }

            await fleet.StopAsync();
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    private static async Task<string> RedisAsync(int port, params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true };
        foreach (var argument in new[] { "-p", port.ToString(CultureInfo.InvariantCulture) }.Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    private async Task<bool> Answers(GrpcChannel channel)
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
    }

    private void Start(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }
}
