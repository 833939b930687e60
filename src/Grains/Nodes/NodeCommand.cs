namespace ControlPlane.Grains.Nodes;

/// <summary>What the control plane can ask of a node's agent.</summary>
public enum NodeCommandKind
{
    /// <summary>A liveness round trip.</summary>
    Ping = 1,

    /// <summary>New agent settings (heartbeat interval).</summary>
    ConfigUpdate = 2,

    /// <summary>Load a replica's weights and start serving it.</summary>
    LoadReplica = 3,

    /// <summary>Stop serving a replica and free its memory.</summary>
    UnloadReplica = 4,

    /// <summary>Start no new streams on some accelerators; report remaining streams as they end.</summary>
    DrainAccelerators = 5,

    /// <summary>End the streams still running on some accelerators (a drain's deadline passed).</summary>
    StopWork = 6,

    /// <summary>Start streams on some accelerators again.</summary>
    ResumeAccelerators = 7,
}

/// <summary>The accelerators a drain, stop or resume command is about, and why.</summary>
[GenerateSerializer, Immutable, Alias("cp.AcceleratorWorkCommand")]
public sealed record AcceleratorWorkCommand(
    [property: Id(0)] IReadOnlyList<string> AcceleratorIds,
    [property: Id(1)] string Reason);

/// <summary>What a node needs to load or unload one replica.</summary>
/// <param name="ReplicaId">The replica.</param>
/// <param name="Deployment">Its deployment.</param>
/// <param name="Model">The model's name.</param>
/// <param name="WeightsBytes">Bytes of weights to load (the whole replica's, across its accelerators).</param>
/// <param name="AcceleratorIds">The replica's accelerators on this node.</param>
/// <param name="Slots">Concurrent streams it serves.</param>
/// <param name="DecodeTokensPerSecond">Predicted single-stream decode speed (the performance model's).</param>
/// <param name="BatchSlowdown">Predicted per-stream slowdown per extra stream.</param>
/// <param name="PrefillTokensPerSecond">Predicted prompt tokens processed per second.</param>
/// <param name="FirstTokenOverhead">Predicted fixed time before the first token beyond prefill.</param>
[GenerateSerializer, Immutable, Alias("cp.ReplicaCommand")]
public sealed record ReplicaCommand(
    [property: Id(0)] string ReplicaId,
    [property: Id(1)] string Deployment,
    [property: Id(2)] string Model,
    [property: Id(3)] long WeightsBytes,
    [property: Id(4)] IReadOnlyList<string> AcceleratorIds,
    [property: Id(5)] int Slots,
    [property: Id(6)] double DecodeTokensPerSecond,
    [property: Id(7)] double BatchSlowdown,
    [property: Id(8)] double PrefillTokensPerSecond = 0,
    [property: Id(9)] TimeSpan FirstTokenOverhead = default);

/// <summary>One command sent down a node's stream.</summary>
[GenerateSerializer, Immutable, Alias("cp.NodeCommand")]
public sealed record NodeCommand(
    [property: Id(0)] string CommandId,
    [property: Id(1)] NodeCommandKind Kind,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] string PingPayload,
    [property: Id(4)] TimeSpan? HeartbeatInterval,
    [property: Id(5)] ReplicaCommand? Replica = null,
    [property: Id(6)] AcceleratorWorkCommand? Work = null);

/// <summary>How a command ended.</summary>
[GenerateSerializer, Immutable, Alias("cp.CommandOutcome")]
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
