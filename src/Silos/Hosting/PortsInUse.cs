using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace ControlPlane.Silos.Hosting;

/// <summary>
/// Finds the ports the silo needs that another process holds, before it starts (so an operator gets one
/// line naming the port and the key that sets it, instead of Orleans' and Kestrel's stack traces), and
/// words a bind failure that happens anyway (a port taken between the check and the start).
/// </summary>
public static class PortsInUse
{
    /// <summary>One line per configured port that cannot be bound now, naming its key; empty when all are free.</summary>
    public static IReadOnlyList<string> Check(IServiceProvider services)
    {
        var endpoints = services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        var cluster = services.GetRequiredService<IOptions<SiloClusterOptions>>().Value;
        var listen = IPAddress.Parse(endpoints.ListenAddress);
        var ports = new (string Key, IPAddress Address, int Port)[]
        {
            ($"{EndpointOptions.SectionName}:{nameof(EndpointOptions.GrpcPort)}", listen, endpoints.GrpcPort),
            ($"{EndpointOptions.SectionName}:{nameof(EndpointOptions.HttpPort)}", listen, endpoints.HttpPort),

            // Localhost clustering binds the silo and gateway ports on loopback.
            ($"{SiloClusterOptions.SectionName}:{nameof(SiloClusterOptions.SiloPort)}", IPAddress.Loopback, cluster.SiloPort),
            ($"{SiloClusterOptions.SectionName}:{nameof(SiloClusterOptions.GatewayPort)}", IPAddress.Loopback, cluster.GatewayPort),
        };

        var taken = new List<string>();
        foreach (var (key, address, port) in ports.Where(p => p.Port != 0))
        {
            if (!CanBind(address, port))
            {
                taken.Add($"port {port} on {address} is already in use by another process; stop it, or set {key} to a free port");
            }
        }

        return taken;
    }

    /// <summary>A one-line account of a bind failure at start-up; null when <paramref name="error"/> is not one.</summary>
    public static string? Describe(Exception error)
    {
        for (var cause = error; cause is not null; cause = cause.InnerException)
        {
            if (cause is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                var what = error is IOException io ? io.Message : cause.Message;
                return $"{what.TrimEnd('.')}; a port this silo needs is taken: check {EndpointOptions.SectionName}:GrpcPort/HttpPort and {SiloClusterOptions.SectionName}:SiloPort/GatewayPort";
            }
        }

        return null;
    }

    private static bool CanBind(IPAddress address, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }
}
