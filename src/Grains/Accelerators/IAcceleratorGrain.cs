using ControlPlane.Grains.Accelerators.Operations;
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

    /// <summary>
    /// Slots reserved on <paramref name="replicaId"/> here (its primary accelerator). Interleaves with any
    /// turn, so an accelerator draining a replica's other accelerator, or its deployment, may ask at any time.
    /// </summary>
    [AlwaysInterleave]
    Task<int> ReservedSlotsOfAsync(string replicaId);

    /// <summary>Frees a replica's devices and drops its reservations; false when it was not hosted.</summary>
    Task<bool> UnhostReplicaAsync(string replicaId);

    /// <summary>
    /// Reserves one stream slot of <paramref name="replicaId"/> for <paramref name="placementId"/> until the lease
    /// runs out. <paramref name="sessionTurn"/>: the session already runs on this replica, so a draining
    /// accelerator still takes the turn while the replica is held by its deployment's disruption budget.
    /// </summary>
    Task<SlotReservationOutcome> ReserveSlotAsync(string replicaId, string placementId, TimeSpan lease, bool sessionTurn = false);

    /// <summary>
    /// Frees the slot held by <paramref name="placementId"/> (nothing happens when it is not held: completed
    /// or expired). One-way: completion does not wait for it, and a lost message only delays the slot to its lease.
    /// </summary>
    [OneWay]
    Task ReleaseSlotAsync(string placementId);

    /// <summary>Extends the lease of <paramref name="placementId"/> by <paramref name="lease"/> from now; returns when it now expires, or null when it is not held.</summary>
    Task<DateTimeOffset?> RenewSlotAsync(string placementId, TimeSpan lease);

    /// <summary>
    /// Says whether <see cref="ApplyAsync"/> would accept <paramref name="command"/> (or has already, under its
    /// request id), changing nothing: lets a request on many accelerators act on all or none.
    /// </summary>
    [ReadOnly]
    Task<AcceleratorOutcome> CheckAsync(OperatorCommand command);

    /// <summary>Carries out an operator command (cordon, drain, resume, decommission, readd); a retried request id acts once.</summary>
    Task<AcceleratorOutcome> ApplyAsync(OperatorCommand command);

    /// <summary>
    /// Lets a drain's work start moving (sessions move at their next turn as their replicas are released).
    /// Called once every accelerator of a drain request is Draining; a drain also starts moving on its own
    /// after <see cref="Fleet.FleetOptions.DrainStartGrace"/>, in case the caller went away.
    /// </summary>
    Task MoveWorkAsync();

    /// <summary>The node's agent says how many streams still run here during a drain.</summary>
    [OneWay]
    Task ReportDrainProgressAsync(string nodeId, int remainingStreams);

    /// <summary>The replica's deployment can spare it: during a drain it takes no more turns here.</summary>
    [OneWay]
    Task ReleaseReplicaAsync(string replicaId);

    /// <summary>The replica's deployment cannot spare it yet (<paramref name="reason"/>); the drain waits.</summary>
    [OneWay]
    Task HoldReplicaAsync(string replicaId, string reason);
}
