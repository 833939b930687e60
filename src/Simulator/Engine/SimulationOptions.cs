using ControlPlane.Placement.Replicas;
using ControlPlane.Simulator.Faults;

namespace ControlPlane.Simulator.Engine;

/// <summary>Knobs of one simulated run.</summary>
internal sealed record SimulationOptions
{
    /// <summary>
    /// Longest an interactive request waits for a slot before it is refused; null (the default) means as long
    /// as an answer could still be on time: its deployment's time-to-first-token SLO less the fastest first
    /// token a replica could give it. This models the control plane's answer to an interactive request that
    /// finds no room (RESOURCE_EXHAUSTED with retry-after): its client retries while it still makes sense,
    /// and the oldest waiting request is retried first.
    /// </summary>
    public double? InteractiveMaxWaitSeconds { get; init; }

    /// <summary>Longest a long-horizon request waits for a slot before it is refused. Default 10 min.</summary>
    public double LongHorizonMaxWaitSeconds { get; init; } = 600;

    /// <summary>Width of the time buckets of the pool series. Default 60 s.</summary>
    public double BucketSeconds { get; init; } = 60;

    /// <summary>Faults to inject.</summary>
    public IReadOnlyList<FaultSpec> Faults { get; init; } = [];

    /// <summary>
    /// How often a deployment with max_replicas above its replicas is reconciled: its target count worked out
    /// (<see cref="ReplicaTarget"/>), replicas added on free hardware or retired. Default 2 s, the control
    /// plane's <c>ReconcileInterval</c>.
    /// </summary>
    public double ReconcileSeconds { get; init; } = 2;

    /// <summary>Add a replica when this share of the serving replicas' slots is reserved. Default 0.8, as the control plane.</summary>
    public double ScaleOutUtilization { get; init; } = 0.8;

    /// <summary>Drop a replica above the desired count when the rest would stay under this share. Default 0.4, as the control plane.</summary>
    public double ScaleInUtilization { get; init; } = 0.4;

    /// <summary>Weights loaded per second by a new replica, so it serves weights/rate seconds after it is placed. Default 25 GB/s, as the simulated agents.</summary>
    public double LoadBytesPerSecond { get; init; } = 25e9;
}
