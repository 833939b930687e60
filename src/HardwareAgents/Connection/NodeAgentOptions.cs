using ControlPlane.Contracts.V1;

namespace ControlPlane.HardwareAgents.Connection;

/// <summary>Who a node agent is and how it talks to the control plane.</summary>
public sealed class NodeAgentOptions
{
    /// <summary>The node id; must be the one the token is bound to.</summary>
    public required string NodeId { get; init; }

    /// <summary>The node's bearer token.</summary>
    public required string Token { get; init; }

    /// <summary>The accelerators the node declares at each registration.</summary>
    public required IReadOnlyList<AcceleratorSpec> Accelerators { get; init; }

    /// <summary>Reported at registration, for operators.</summary>
    public string AgentVersion { get; init; } = typeof(NodeAgentOptions).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>First reconnect delay ceiling. Default 0.5 s.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Largest reconnect delay ceiling. Default 4 s: a silo that answers again has the whole fleet back within
    /// about that long, while full jitter spreads 1,000 nodes' reconnects over it (docs/benchmarks.md, reconnect).
    /// </summary>
    public TimeSpan MaxBackoff { get; init; } = DefaultMaxBackoff;

    /// <summary>The default of <see cref="MaxBackoff"/>.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(4);

    /// <summary>How long a graceful stop waits for the server to close the stream after Goodbye. Default 5 s.</summary>
    public TimeSpan GoodbyeTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
