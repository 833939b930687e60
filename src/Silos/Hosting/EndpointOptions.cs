namespace ControlPlane.Silos.Hosting;

/// <summary>Where the silo listens. Bound from <c>ControlPlane:Endpoints</c>.</summary>
public sealed class EndpointOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Endpoints";

    /// <summary>Address to listen on. Default 127.0.0.1; use 0.0.0.0 to accept remote agents.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Port of the gRPC APIs (HTTP/2 only, no TLS). 0 picks a free port. Default 5100.</summary>
    public int GrpcPort { get; set; } = 5100;

    /// <summary>Port of <c>/metrics</c> and <c>/healthz</c> (HTTP/1.1). 0 picks a free port. Default 5101.</summary>
    public int HttpPort { get; set; } = 5101;
}
