using ControlPlane.Grains.Replicas;
using Orleans.Concurrency;

namespace ControlPlane.Grains.Accelerators;

/// <summary>One schedulable accelerator (a wafer-scale system or a GPU node), keyed by its id.</summary>
public interface IAcceleratorGrain : IGrainWithStringKey
{
    /// <summary>Says whether <see cref="RegisterAsync"/> would accept the registration, changing nothing.</summary>
    [ReadOnly]
    Task<AcceleratorOutcome> CheckRegistrationAsync(AcceleratorRegistration registration);

    /// <summary>Registers (or re-registers) the accelerator for its node.</summary>
    Task<AcceleratorOutcome> RegisterAsync(AcceleratorRegistration registration);

    /// <summary>Records a heartbeat from <paramref name="nodeId"/>; renews the lease. The hot path.</summary>
    Task<AcceleratorRefusal> ReportTelemetryAsync(string nodeId, ulong sequence, AcceleratorTelemetry telemetry);

    /// <summary>The current view, or null when the id was never registered.</summary>
    [ReadOnly]
    Task<AcceleratorView?> GetAsync();

    /// <summary>Holds devices for a replica (idempotent for the same replica); refused when there is no room or the accelerator is not schedulable.</summary>
    Task<HostingRefusal> HostReplicaAsync(HostedReplica replica);

    /// <summary>Frees a replica's devices and drops its reservations; false when it was not hosted.</summary>
    Task<bool> UnhostReplicaAsync(string replicaId);

    /// <summary>Reserves one stream slot of <paramref name="replicaId"/> for <paramref name="placementId"/> until the lease runs out.</summary>
    Task<SlotReservationOutcome> ReserveSlotAsync(string replicaId, string placementId, TimeSpan lease);

    /// <summary>
    /// Frees the slot held by <paramref name="placementId"/> (nothing happens when it is not held: completed
    /// or expired). One-way: completion does not wait for it, and a lost message only delays the slot to its lease.
    /// </summary>
    [OneWay]
    Task ReleaseSlotAsync(string placementId);

    /// <summary>Extends the lease of <paramref name="placementId"/>; false when it is not held.</summary>
    Task<bool> RenewSlotAsync(string placementId, TimeSpan lease);

    /// <summary>Applies an operator trigger (cordon, drain, resume, decommission ...).</summary>
    Task<AcceleratorOutcome> ApplyOperatorActionAsync(LifecycleTrigger trigger, string reason);
}
