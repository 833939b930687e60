using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ControlPlane.Silos.Hosting;
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
    /// <summary>The real control plane (Orleans + Kestrel) on free loopback ports, started.</summary>
    public static async Task<WebApplication> StartSiloAsync()
    {
        var ports = FreePorts(2);
        var silo = ControlPlaneHost.Build(
        [
            "--ControlPlane:Endpoints:GrpcPort=0", "--ControlPlane:Endpoints:HttpPort=0",
            $"--ControlPlane:Cluster:SiloPort={ports[0]}", $"--ControlPlane:Cluster:GatewayPort={ports[1]}",
            "--Logging:LogLevel:Default=Warning",
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

    /// <summary>The integer after <paramref name="name"/> on the command line, or <paramref name="fallback"/>.</summary>
    public static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var result = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return result;
    }
}
