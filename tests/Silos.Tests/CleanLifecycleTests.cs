using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Silos.Tests;

/// <summary>A silo configured as production would be starts, serves and stops without logging a warning or a failure.</summary>
public sealed class CleanLifecycleTests
{
    [Fact]
    public async Task A_clean_start_and_a_graceful_stop_with_unsaved_sessions_log_no_warning_and_no_failure()
    {
        var key = new byte[32];
        Random.Shared.NextBytes(key);
        var ports = FreePorts.Take(2);
        var log = new CapturedLog();
        var store = Directory.CreateTempSubdirectory("cp-clean-").FullName;
        var app = ControlPlaneHost.Build(
            [
                .. ControlPlaneFixture.Arguments(ports[0], ports[1]).Where(a => !a.StartsWith("--ControlPlane:Storage")), "--Logging:LogLevel:Default=Information",
                $"--ControlPlane:Storage:Sqlite:Path={Path.Combine(store, "state.db")}", // the default store, as a real run
                $"--ControlPlane:Auth:SigningKey={Convert.ToBase64String(key)}",
                "--ControlPlane:Sessions:FlushInterval=00:05:00", // sessions hold unsaved usage when the silo stops
            ],
            builder => builder.Logging.AddProvider(log));
        await app.StartAsync();
        var endpoint = app.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        var tokens = app.Services.GetRequiredService<Security.TokenAuthenticator>();
        var fleet = SimulatedFleet.Create(endpoint, key,
            new SimulatedFleetOptions { Wafers = 0, GpuNodes = 1, NamePrefix = "clean", GpuSku = "h200", LoadBytesPerSecond = 1e12 }, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        using (var channel = GrpcChannel.ForAddress(endpoint))
        {
            var operatorToken = new Metadata { { "authorization", $"Bearer {tokens.Issue(CallerRole.Operator, "ops")}" } };
            var gateway = new Metadata { { "authorization", $"Bearer {tokens.Issue(CallerRole.Gateway, "gw")}" } };
            var deployments = new DeploymentService.DeploymentServiceClient(channel);
            await deployments.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = "clean-1", Deployment = Models.LargeCoder("clean-large") }, operatorToken);
            await Eventually.Until(() => deployments.GetDeploymentAsync(new GetDeploymentRequest { Name = "clean-large" }, operatorToken).ResponseAsync,
                d => d.ReadyReplicas == 1, TimeSpan.FromSeconds(30), "the replica to load");

            // Two turns per session: the second leaves usage that only the deactivation at shutdown saves.
            var placement = new PlacementService.PlacementServiceClient(channel);
            for (var session = 0; session < 9; session++)
            {
                for (var turn = 0; turn < 2; turn++)
                {
                    var placed = await placement.PlaceAsync(Models.Turn("clean-large", $"clean-session-{session}", plan: "enterprise"), gateway);
                    await placement.CompleteAsync(new CompleteRequest
                    {
                        SessionId = $"clean-session-{session}", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId, PromptTokens = 100, OutputTokens = 100,
                    }, gateway);
                }
            }
        }

        await fleet.StopAsync();
        await fleet.DisposeAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(store, recursive: true);

        var problems = log.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal)
            || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(problems.Count == 0, "a clean run logged:\n" + string.Join("\n", problems));
        Assert.Contains(log.Lines, l => l.Contains("stream closed (goodbye)")); // the run did happen, and was logged
        Assert.Contains(log.Lines, l => l.Contains("Grain state is stored in") && l.Contains("state.db")); // and said where its state is
    }
}
