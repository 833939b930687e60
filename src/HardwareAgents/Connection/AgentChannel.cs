using Grpc.Net.Client;

namespace ControlPlane.HardwareAgents.Connection;

/// <summary>The gRPC channel agents reach the control plane over: one place for its connection settings.</summary>
public static class AgentChannel
{
    /// <summary>
    /// A channel to <paramref name="endpoint"/>. The agent paces its reconnects itself (<see cref="ReconnectBackoff"/>,
    /// jittered per node), so the channel's own reconnect backoff stays short: grpc-dotnet's default grows to
    /// two minutes while the silo is down, and held every call of every node sharing the channel for up to
    /// that long after the silo answered again. Several HTTP/2 connections, since more than 100 streams on
    /// one would queue behind its stream limit.
    /// </summary>
    public static GrpcChannel Create(Uri endpoint) => GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
    {
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
        MaxReconnectBackoff = TimeSpan.FromMilliseconds(500),
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
    });
}
