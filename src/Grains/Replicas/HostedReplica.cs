namespace ControlPlane.Grains.Replicas;

/// <summary>A replica an accelerator holds devices for (durable with the accelerator).</summary>
/// <param name="ReplicaId">The replica.</param>
/// <param name="Deployment">Its deployment.</param>
/// <param name="Devices">Devices it takes here (the whole wafer, or some GPUs of the node).</param>
/// <param name="Slots">Concurrent streams it holds; reserved here when this is its primary accelerator.</param>
/// <param name="IsPrimary">Whether slots of the replica are reserved on this accelerator.</param>
/// <param name="PrimaryAcceleratorId">The accelerator where its slots are reserved (this one when <paramref name="IsPrimary"/>).</param>
[GenerateSerializer, Immutable, Alias("cp.HostedReplica")]
public sealed record HostedReplica(
    [property: Id(0)] string ReplicaId,
    [property: Id(1)] string Deployment,
    [property: Id(2)] int Devices,
    [property: Id(3)] int Slots,
    [property: Id(4)] bool IsPrimary,
    [property: Id(5)] string PrimaryAcceleratorId = "");

/// <summary>
/// A hosted replica and its reserved slots at one moment. <paramref name="Held"/>: the accelerator is
/// draining but the replica's deployment cannot spare it yet (<paramref name="HoldReason"/>), so it still
/// takes turns of the sessions already on it.
/// </summary>
[GenerateSerializer, Immutable, Alias("cp.ReplicaLoad")]
public sealed record ReplicaLoad(
    [property: Id(0)] string ReplicaId,
    [property: Id(1)] string Deployment,
    [property: Id(2)] int Devices,
    [property: Id(3)] int Slots,
    [property: Id(4)] int ActiveStreams,
    [property: Id(5)] bool IsPrimary,
    [property: Id(6)] int QueueDepth = 0,
    [property: Id(7)] double KvUtilization = 0,
    [property: Id(8)] bool Held = false,
    [property: Id(9)] string HoldReason = "");
