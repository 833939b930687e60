using ControlPlane.Contracts.Security;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Security;

namespace ControlPlane.Silos.Demo;

/// <summary>
/// The <c>--demo</c> run: once the silo listens, a simulated fleet registers into it over real gRPC, and
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
        Console.WriteLine($"""

            ControlPlane demo is running: {fleetOptions.Wafers} wafer-scale systems and {fleetOptions.GpuNodes} GPU nodes are registering.

              gRPC API     {endpoints.GrpcAddress}
              metrics      {endpoints.HttpAddress}metrics
              health       {endpoints.HttpAddress}healthz

            Point cpctl at it:
              export CPCTL_ENDPOINT={endpoints.GrpcAddress}
              export CPCTL_TOKEN={operatorToken}
              dotnet run --project src/Cli -- accelerators list

            Press Ctrl+C to stop: the silo closes every agent stream (agents reconnect elsewhere) and shuts down.

            """);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "--demo mints agent tokens with the development key, but a signing key is configured; unset ControlPlane:Auth:SigningKey or run the fleet with: dotnet run --project src/HardwareAgents -- simulate --signing-key KEY")]
    private static partial void LogNeedsDevelopmentKey(ILogger logger);
}
