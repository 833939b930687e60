using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Security;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Silos.Tests.Infrastructure;

/// <summary>
/// The real silo host (Orleans + Kestrel) on free loopback ports, with a one-second lease so loss is
/// seen quickly. Tests talk to it over real gRPC, exactly as agents and cpctl do.
/// </summary>
public class ControlPlaneFixture : IAsyncLifetime
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    private WebApplication? _app;
    private int _prefixes;

    public Uri GrpcAddress { get; private set; } = null!;

    public Uri HttpAddress { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public TokenAuthenticator Tokens => _app!.Services.GetRequiredService<TokenAuthenticator>();

    public Metrics.ControlPlaneMetrics Metrics => _app!.Services.GetRequiredService<Metrics.ControlPlaneMetrics>();

    public IGrainFactory Grains => _app!.Services.GetRequiredService<IGrainFactory>();

    /// <summary>A prefix no other test on this silo gets: tests build their node, accelerator and session ids from it.</summary>
    public string NewPrefix() => $"t{Interlocked.Increment(ref _prefixes)}";

    public static string[] Arguments(int siloPort, int gatewayPort) =>
    [
        "--ControlPlane:Endpoints:GrpcPort=0",
        "--ControlPlane:Endpoints:HttpPort=0",
        $"--ControlPlane:Cluster:SiloPort={siloPort}",
        $"--ControlPlane:Cluster:GatewayPort={gatewayPort}",
        $"--ControlPlane:Cluster:ClusterId=test-{Guid.NewGuid():N}"[..48],
        "--ControlPlane:Storage:Provider=Memory", // storage has tests of its own; these are about the APIs
        "--ControlPlane:Fleet:HeartbeatInterval=00:00:00.200",
        $"--ControlPlane:Fleet:LeaseDuration={Lease}",
        "--ControlPlane:Fleet:LeaseCheckInterval=00:00:00.050",
        "--ControlPlane:Fleet:IndexPublishInterval=00:00:00.050",
        "--ControlPlane:Deployments:ReconcileInterval=00:00:00.200",
        "--ControlPlane:Placement:RouteRefreshInterval=00:00:00.100",
        "--ControlPlane:Fleet:AgentCommandTimeout=00:00:02",
        "--ControlPlane:Limits:Plans:tiny:WaferTokensPerMinute=6000",
        "--ControlPlane:Limits:Plans:tiny:GpuTokensPerMinute=6000",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>Configuration a derived fixture adds to (or overrides in) <see cref="Arguments"/>.</summary>
    protected virtual IEnumerable<string> ExtraArguments => [];

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(2);
        _app = ControlPlaneHost.Build([.. Arguments(ports[0], ports[1]), .. ExtraArguments]);
        await _app.StartAsync();
        var bound = _app.Services.GetRequiredService<BoundEndpoints>();
        GrpcAddress = bound.GrpcAddress;
        HttpAddress = bound.HttpAddress;
        Channel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public Metadata Auth(CallerRole role, string subject) => new() { { "authorization", $"Bearer {Tokens.Issue(role, subject)}" } };

    public Metadata Operator => Auth(CallerRole.Operator, "test-operator");

    /// <summary>Runs cpctl in-process against this silo as operator "cpctl-test"; its exit code, stdout and stderr.</summary>
    public async Task<(int Code, string Out, string Err)> CpctlAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var token = Tokens.Issue(CallerRole.Operator, "cpctl-test");
        var code = await Cli.CpctlApp.RunAsync(args, stdout, stderr, name => name switch
        {
            "CPCTL_ENDPOINT" => GrpcAddress.ToString(),
            "CPCTL_TOKEN" => token,
            _ => null,
        }, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public AgentService.AgentServiceClient Agents => new(Channel);

    public FleetService.FleetServiceClient Fleet => new(Channel);

    public DeploymentService.DeploymentServiceClient Deployments => new(Channel);

    public AuditService.AuditServiceClient Audit => new(Channel);

    public PlacementService.PlacementServiceClient Placement => new(Channel);

    public Metadata Gateway => Auth(CallerRole.Gateway, "test-gateway");

    /// <summary>
    /// Starts a simulated fleet against this silo and waits, at most <paramref name="wait"/>, until each of its
    /// accelerators (one per wafer, one per GPU node) is Active. The caller disposes it.
    /// </summary>
    public async Task<SimulatedFleet> StartSimulatedFleetAsync(SimulatedFleetOptions options, TimeSpan wait)
    {
        var fleet = SimulatedFleet.Create(GrpcAddress, DevelopmentSigningKey.Bytes, options, TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        var count = options.Wafers + options.GpuNodes;
        await Eventually.Until(() => ListAsync(options.NamePrefix), list => list.Count == count && list.All(a => a.State == AcceleratorState.Active),
            wait, $"all {count} simulated accelerators of '{options.NamePrefix}' to be Active");
        return fleet;
    }

    /// <summary>Lists every accelerator of the nodes whose ids start with <paramref name="prefix"/>.</summary>
    public async Task<IReadOnlyList<Accelerator>> ListAsync(string prefix)
    {
        var all = new List<Accelerator>();
        var request = new ListAcceleratorsRequest { PageSize = 1000 };
        do
        {
            var page = await Fleet.ListAcceleratorsAsync(request, Operator);
            all.AddRange(page.Accelerators);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return all.Where(a => a.NodeId.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }
}
