namespace ControlPlane.Grains.Nodes;

/// <summary>What the control plane can ask of a node's agent.</summary>
public enum NodeCommandKind
{
    /// <summary>A liveness round trip.</summary>
    Ping = 1,

    /// <summary>New agent settings (heartbeat interval).</summary>
    ConfigUpdate = 2,
}

/// <summary>One command sent down a node's stream.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeCommand(
    [property: Id(0)] string CommandId,
    [property: Id(1)] NodeCommandKind Kind,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] string PingPayload,
    [property: Id(4)] TimeSpan? HeartbeatInterval);

/// <summary>How a command ended.</summary>
[GenerateSerializer, Immutable]
public sealed record CommandOutcome(
    [property: Id(0)] bool Delivered,
    [property: Id(1)] bool Success,
    [property: Id(2)] string Message,
    [property: Id(3)] bool TimedOut = false)
{
    /// <summary>The node had no open stream, or its stream closed before it answered.</summary>
    public static CommandOutcome NotConnected(string nodeId) =>
        new(false, false, $"node '{nodeId}' has no open stream; it may be down or reconnecting");
}
