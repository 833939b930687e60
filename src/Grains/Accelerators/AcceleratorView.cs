using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Replicas;
using ControlPlane.Placement.Replicas;

namespace ControlPlane.Grains.Accelerators;

/// <summary>
/// Everything the control plane knows of one accelerator at one moment (<see cref="ObservedAt"/>): what
/// lists and show return. The index keeps the newest view it was sent.
/// </summary>
[GenerateSerializer, Immutable, Alias("cp.AcceleratorView")]
public sealed record AcceleratorView(
    [property: Id(0)] AcceleratorRegistration Registration,
    [property: Id(1)] AcceleratorState State,
    [property: Id(2)] string StateReason,
    [property: Id(3)] AcceleratorTelemetry Telemetry,
    [property: Id(4)] DateTimeOffset RegisteredAt,
    [property: Id(5)] DateTimeOffset StateChangedAt,
    [property: Id(6)] DateTimeOffset? LastHeartbeatAt,
    [property: Id(7)] DateTimeOffset? LeaseExpiresAt,
    [property: Id(8)] DateTimeOffset ObservedAt,
    [property: Id(9)] IReadOnlyList<ReplicaLoad> Replicas,
    [property: Id(10)] DrainStatus? Drain = null)
{
    /// <summary>Devices of the accelerator: its GPUs, or 1 for a wafer-scale system.</summary>
    public int Devices => Math.Max(1, Registration.Gpus.Count);

    /// <summary>Devices no replica holds.</summary>
    public int FreeDevices => Devices - Replicas.Sum(r => r.Devices);

    /// <summary>Whether new work and new replicas may land here.</summary>
    public bool Schedulable => State == AcceleratorState.Active;

    /// <summary>What its state means for the replicas on it, as reconciling sees it.</summary>
    public AcceleratorCondition Condition => new(
        State switch
        {
            AcceleratorState.Active => AcceleratorStanding.Schedulable,
            AcceleratorState.Lost or AcceleratorState.Drained or AcceleratorState.Decommissioned => AcceleratorStanding.Gone,
            _ => AcceleratorStanding.Unschedulable,
        },
        State.ToString());

    /// <summary>
    /// Whether <paramref name="replicaId"/> still takes turns here: the accelerator is active, or draining with
    /// the replica held by its deployment's disruption budget (then only for the sessions already on it).
    /// </summary>
    public bool TakesTurnsOf(string replicaId) =>
        Schedulable || (State == AcceleratorState.Draining && Replicas.Any(l => l.ReplicaId == replicaId && l.Held));

    /// <summary>The accelerator's id.</summary>
    public string AcceleratorId => Registration.AcceleratorId;
}
