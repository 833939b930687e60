using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Replicas;

namespace ControlPlane.Grains.Accelerators;

/// <summary>
/// The durable part of an accelerator grain: identity, spec and lifecycle. Telemetry is not kept here;
/// it is rebuilt from the next heartbeat, so storage is written on lifecycle changes only.
/// </summary>
[GenerateSerializer, Alias("cp.AcceleratorRecord")]
public sealed class AcceleratorRecord
{
    /// <summary>The node's declaration; null until registered.</summary>
    [Id(0)] public AcceleratorRegistration? Registration { get; set; }

    /// <summary>Lifecycle position.</summary>
    [Id(1)] public LifecyclePosition Lifecycle { get; set; }

    /// <summary>Why the state last changed.</summary>
    [Id(2)] public string StateReason { get; set; } = "";

    /// <summary>When it first registered.</summary>
    [Id(3)] public DateTimeOffset RegisteredAt { get; set; }

    /// <summary>When the visible state last changed.</summary>
    [Id(4)] public DateTimeOffset StateChangedAt { get; set; }

    /// <summary>Replicas holding devices here, by replica id.</summary>
    [Id(5)] public Dictionary<string, HostedReplica> Hosted { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The current or last drain; null when none since the last resume.</summary>
    [Id(6)] public DrainRecord? Drain { get; set; }

    /// <summary>Recent operator request ids and their outcomes, so a retry acts once.</summary>
    [Id(8)] public Idempotency.RequestLedger Requests { get; set; } = new();
}
