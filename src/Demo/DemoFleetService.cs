using ControlPlane.Contracts.Security;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Security;
using Grpc.Net.Client;

namespace ControlPlane.Demo;

/// <summary>
/// The demo host (src/Demo): once the silo listens, a simulated fleet registers into it over real gRPC, and
/// the console says where to point cpctl and a Prometheus scraper.
/// </summary>
public sealed partial class DemoFleetService(
    SimulatedFleetOptions fleetOptions,
    BoundEndpoints endpoints,
    TokenAuthenticator tokens,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService
{
    private SimulatedFleet? _fleet;
    private GrpcChannel? _channel;
    private Task _workload = Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Ports are bound only once the server has started.
        lifetime.ApplicationStarted.Register(Start);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _workload; // ends on ApplicationStopping
        _channel?.Dispose();
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }

    private void Start()
    {
        if (!tokens.UsesDevelopmentKey)
        {
            LogNeedsDevelopmentKey(loggers.CreateLogger<DemoFleetService>());
            return;
        }

        _fleet = SimulatedFleet.Create(endpoints.GrpcAddress, DevelopmentSigningKey.Bytes, fleetOptions, time, loggers);
        _fleet.Start();
        var operatorToken = tokens.Issue(CallerRole.Operator, "demo-operator");
        _channel = GrpcChannel.ForAddress(endpoints.GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var workload = new DemoWorkload(_channel, operatorToken, tokens.Issue(CallerRole.Gateway, "demo-gateway"), _fleet, fleetOptions.Wafers, fleetOptions.GpuNodes, Console.Out);
        _workload = Task.Run(() => RunWorkloadAsync(workload));
        Console.WriteLine($"""

            ControlPlane demo is running: {fleetOptions.Wafers} wafer-scale systems and {fleetOptions.GpuNodes} GPU nodes are registering.

              gRPC API     {endpoints.GrpcAddress}
              metrics      {endpoints.HttpAddress}metrics
              health       {endpoints.HttpAddress}healthz

            Point cpctl at it:
              export CPCTL_ENDPOINT={endpoints.GrpcAddress}
              export CPCTL_TOKEN={operatorToken}
              dotnet run --project src/Cli -- accelerators list
              dotnet run --project src/Cli -- deployments show {DemoWorkload.FastModel}
              dotnet run --project src/Cli -- place -d {DemoWorkload.FastModel} --explain

            A mixed load starts once the replicas are loaded: interactive turns on {DemoWorkload.FastModel} (wafers),
            long-horizon jobs on {DemoWorkload.LargeModel} (GPU nodes), all through the placement API.

            Press Ctrl+C to stop: the silo closes every agent stream (agents reconnect elsewhere) and shuts down.

            """);
    }

    private async Task RunWorkloadAsync(DemoWorkload workload)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            // Let the agents register first, so replicas land on wafers rather than wherever came up first.
            var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(30);
            while (_fleet!.ConnectedCount < _fleet.Agents.Count && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, stopping);
            }

            await workload.RunAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Grpc.Core.RpcException ex) when (stopping.IsCancellationRequested || ex.StatusCode == Grpc.Core.StatusCode.Cancelled)
        {
            // The server is going away under the workload.
        }
        catch (Exception ex)
        {
            LogWorkloadFailed(loggers.CreateLogger<DemoFleetService>(), ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The demo workload stopped")]
    private static partial void LogWorkloadFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The demo mints agent tokens with the development key, but a signing key is configured; unset ControlPlane:Auth:SigningKey or run the fleet with: dotnet run --project src/HardwareAgents -- simulate --signing-key KEY")]
    private static partial void LogNeedsDevelopmentKey(ILogger logger);
}
