using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ControlPlane.Contracts.V1;
using ControlPlane.Silos.Hosting;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Bench;

/// <summary>What every benchmark starts: the real silo, a bare gRPC server as its baseline, and its options.</summary>
internal static class BenchHosts
{
    /// <summary>A plan configured with the largest allowance the options accept, for benchmarks that must never hit a limit.</summary>
    public const string UnlimitedPlan = "bench-unlimited";

    /// <summary>
    /// The real control plane (Orleans + Kestrel) on free loopback ports, started, with <paramref name="settings"/>
    /// added to its command line after the benchmarks' defaults (so a setting there wins).
    /// </summary>
    public static async Task<WebApplication> StartSiloAsync(params string[] settings)
    {
        var ports = FreePorts(2);
        var silo = ControlPlaneHost.Build(
        [
            "--ControlPlane:Endpoints:GrpcPort=0", "--ControlPlane:Endpoints:HttpPort=0",
            $"--ControlPlane:Cluster:SiloPort={ports[0]}", $"--ControlPlane:Cluster:GatewayPort={ports[1]}",
            "--Logging:LogLevel:Default=Warning",
            "--ControlPlane:Storage:Provider=Memory", // benchmarks of the store say so and pass their own
            $"--ControlPlane:Limits:Plans:{UnlimitedPlan}:WaferTokensPerMinute=1e12", $"--ControlPlane:Limits:Plans:{UnlimitedPlan}:GpuTokensPerMinute=1e12",
            .. settings,
        ]);
        await silo.StartAsync();
        return silo;
    }

    /// <summary>A Kestrel gRPC server on the same settings serving only <typeparamref name="TService"/>, started, and its address.</summary>
    public static async Task<(WebApplication App, Uri Address)> StartBareServerAsync<TService>(Action<IServiceCollection>? services = null)
        where TService : class
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        services?.Invoke(builder.Services);
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return (app, address);
    }

    /// <summary>
    /// Declares the benchmarks' fast coding model (32B, on wafers, 8,192-token context) once the simulated
    /// fleet accepts it, and waits until <paramref name="replicas"/> replicas are ready (60 s at most).
    /// </summary>
    public static async Task DeclareFastCoderAsync(DeploymentService.DeploymentServiceClient client, Metadata headers, string name, int replicas, int minReplicas)
    {
        var deployment = new Deployment
        {
            Name = name, Model = "fast-coder-32b", Parameters = 32_000_000_000, Layers = 64, Precision = Precision.Bf16, KvBytesPerToken = 262_144,
            ContextWindowTokens = 8_192, AllowedClasses = { HardwareClass.WaferScale }, DesiredReplicas = replicas, MinReplicas = minReplicas,
            Slo = new ServiceLevelObjective
            {
                TimeToFirstToken = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)), MinTokensPerSecond = 100, LongHorizonCompletion = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)),
            },
            DefaultLatencyClass = LatencyClass.Interactive,
        };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                await client.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = "bench-create", Deployment = deployment }, headers);
                break;
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200); // the fleet is still registering
            }
        }

        while ((await client.GetDeploymentAsync(new GetDeploymentRequest { Name = name }, headers)).ReadyReplicas < replicas)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{name} did not get {replicas} ready replicas within 60 s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The integer after <paramref name="name"/> on the command line, or <paramref name="fallback"/>.</summary>
    public static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    /// <summary>The text after <paramref name="name"/> on the command line, or <paramref name="fallback"/>.</summary>
    public static string Text(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary><paramref name="count"/> loopback ports free at the moment of asking.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var result = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return result;
    }
}
