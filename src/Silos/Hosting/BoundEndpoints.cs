using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ControlPlane.Silos.Hosting;

/// <summary>The addresses the silo actually listens on, known once it has started (ports may be 0 in config).</summary>
public sealed class BoundEndpoints
{
    internal ListenOptions? Grpc { get; set; }

    internal ListenOptions? Http { get; set; }

    /// <summary>Base address of the gRPC APIs, e.g. <c>http://127.0.0.1:5100</c>.</summary>
    public Uri GrpcAddress => Address(Grpc, "gRPC");

    /// <summary>Base address of <c>/metrics</c> and <c>/healthz</c>.</summary>
    public Uri HttpAddress => Address(Http, "HTTP");

    private static Uri Address(ListenOptions? options, string what) =>
        options?.IPEndPoint is { Port: > 0 } endpoint
            ? new Uri($"http://{FormatHost(endpoint.Address)}:{endpoint.Port}")
            : throw new InvalidOperationException($"the {what} endpoint is not bound yet; start the host first");

    private static string FormatHost(System.Net.IPAddress address) =>
        address.Equals(System.Net.IPAddress.Any) ? "127.0.0.1"
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]"
        : address.ToString();
}
