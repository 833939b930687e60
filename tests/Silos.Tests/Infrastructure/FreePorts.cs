using System.Net;
using System.Net.Sockets;

namespace ControlPlane.Silos.Tests.Infrastructure;

/// <summary>Free loopback ports for Orleans' silo and gateway endpoints, which cannot bind port 0.</summary>
public static class FreePorts
{
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var listener in listeners)
        {
            listener.Start();
        }

        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        return ports;
    }
}
