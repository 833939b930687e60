using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Connection;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Silos.Tests;

/// <summary>Agents ride out a silo that goes away and comes back on the same address.</summary>
public sealed class SiloRestartTests
{
    [Fact]
    public async Task Agents_reconnect_with_backoff_after_the_silo_restarts_and_register_again()
    {
        var ports = FreePorts.Take(4);
        var grpcPort = ports[0];
        WebApplication Silo(int siloPort, int gatewayPort) => ControlPlaneHost.Build(
            [.. ControlPlaneFixture.Arguments(siloPort, gatewayPort).Where(a => !a.StartsWith("--ControlPlane:Endpoints:GrpcPort")), $"--ControlPlane:Endpoints:GrpcPort={grpcPort}"]);

        var first = Silo(ports[1], ports[2]);
        await first.StartAsync();
        var endpoint = first.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        await using var fleet = SimulatedFleet.Create(endpoint, DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = 1, GpuNodes = 2, NamePrefix = "restart" }, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        await Eventually.Until(() => fleet.ConnectedCount == 3, TimeSpan.FromSeconds(20), "the fleet to connect");

        await first.StopAsync();
        await first.DisposeAsync();
        await Eventually.Until(() => fleet.Agents.All(a => a.State is NodeAgentState.BackingOff or NodeAgentState.Registering),
            TimeSpan.FromSeconds(20), "every agent to notice the silo is gone");
        Assert.All(fleet.Agents, a => Assert.NotNull(a.LastError));

        var second = Silo(ports[3], FreePorts.Take(1)[0]);
        await second.StartAsync();
        try
        {
            await Eventually.Until(() => fleet.Agents.All(a => a.State == NodeAgentState.Connected && a.Connections >= 2),
                TimeSpan.FromSeconds(30), "every agent to reconnect to the new silo");
            using var channel = GrpcChannel.ForAddress(endpoint);
            var token = second.Services.GetRequiredService<Security.TokenAuthenticator>().Issue(CallerRole.Operator, "test");
            var listed = await Eventually.Until(
                () => new FleetService.FleetServiceClient(channel).ListAcceleratorsAsync(new ListAcceleratorsRequest(),
                    new Grpc.Core.Metadata { { "authorization", $"Bearer {token}" } }).ResponseAsync,
                r => r.Accelerators.Count(a => a.State == AcceleratorState.Active) == 3, TimeSpan.FromSeconds(20), "the new silo to know all 3 again");
            Assert.Equal(["restart-gpu-000", "restart-gpu-001", "restart-wafer-000-cs3"], listed.Accelerators.Select(a => a.AcceleratorId));
        }
        finally
        {
            await fleet.StopAsync();
            await second.StopAsync();
            await second.DisposeAsync();
        }
    }
}
