using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Replicas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Accelerators;

/// <summary>
/// Holds one accelerator's spec, lifecycle and latest telemetry, and keeps its lease: a timer marks it
/// Lost when heartbeats stop. Publishes its view to a fleet index shard so lists never activate it.
/// </summary>
public sealed partial class AcceleratorGrain(
    [PersistentState("accelerator", FleetStorage.Name)] IPersistentState<AcceleratorRecord> record,
    IOptions<FleetOptions> options,
    TimeProvider time,
    ILogger<AcceleratorGrain> logger) : Grain, IAcceleratorGrain
{
    private readonly FleetOptions _options = options.Value;
    private AcceleratorTelemetry _telemetry = AcceleratorTelemetry.None;
    private DateTimeOffset? _lastHeartbeatAt;
    private HeartbeatLease? _lease;
    private ulong _lastSequence;
    private DateTimeOffset _lastPublishedAt = DateTimeOffset.MinValue;
    private IGrainTimer? _leaseTimer;
    private bool _returningFromLoss;

    // In memory: short-lived leases; the lease timer keeps a registered accelerator active.
    private readonly SlotReservations _slots = new();

    private AcceleratorRecord Record => record.State;

    private HeartbeatLease Lease => _lease ??= new HeartbeatLease(_options.LeaseDuration, _options.LeaseCheckInterval);

    private bool IsRegistered => Record.Registration is not null;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (IsRegistered && Record.Lifecycle.State is not (AcceleratorState.Decommissioned or AcceleratorState.Unregistered))
        {
            // A re-activated grain gives its node one full lease to be heard from again.
            Lease.Renew(time.GetUtcNow());
            StartLeaseTimer();
            Publish();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AcceleratorOutcome> CheckRegistrationAsync(AcceleratorRegistration registration) =>
        Task.FromResult(Check(registration) ?? AcceleratorOutcome.Ok(View()));

    /// <inheritdoc />
    public async Task<AcceleratorOutcome> RegisterAsync(AcceleratorRegistration registration)
    {
        if (Check(registration) is { } refusal)
        {
            return refusal;
        }

        var now = time.GetUtcNow();
        var first = !IsRegistered || Record.Lifecycle.State == AcceleratorState.Unregistered; // never seen, or added back
        var from = Record.Lifecycle;
        var transition = AcceleratorLifecycle.Apply(from, LifecycleTrigger.Register);
        _returningFromLoss = from.State == AcceleratorState.Lost;
        Record.Registration = registration;
        if (first)
        {
            Record.RegisteredAt = now;
        }

        Move(transition, from, first ? "registered by its node" : _returningFromLoss ? "re-registered after its lease expired" : "re-registered by its node", now);
        if (first)
        {
            // Listed before the registration is stored, so a restarted silo wakes every stored accelerator (FleetWakeUp).
            await GrainFactory.GetGrain<IAcceleratorDirectoryGrain>(AcceleratorDirectory.ShardOf(registration.AcceleratorId)).AddAsync(registration.AcceleratorId);
        }

        await record.WriteStateAsync();

        // A node registering again may have restarted and lost what it had loaded: its replicas stop taking
        // work here until the agent confirms them.
        if (!first)
        {
            foreach (var hosted in Record.Hosted.Values)
            {
                GrainFactory.GetGrain<Deployments.IDeploymentGrain>(hosted.Deployment).ConfirmReplicaAsync(hosted.ReplicaId, registration.AcceleratorId).Ignore();
            }
        }

        // A new agent run numbers its reports from 1 again.
        _lastSequence = 0;
        Lease.Renew(now);
        StartLeaseTimer();
        Publish();
        LogRegistered(logger, registration.AcceleratorId, registration.NodeId, Record.Lifecycle.State);
        return AcceleratorOutcome.Ok(View());
    }

    /// <inheritdoc />
    public async Task<AcceleratorRefusal> ReportTelemetryAsync(string nodeId, ulong sequence, AcceleratorTelemetry telemetry)
    {
        if (Record.Registration is not { } registration || Record.Lifecycle.State == AcceleratorState.Unregistered)
        {
            return AcceleratorRefusal.NotRegistered;
        }

        if (!string.Equals(registration.NodeId, nodeId, StringComparison.Ordinal))
        {
            return AcceleratorRefusal.OwnedByAnotherNode;
        }

        if (Record.Lifecycle.State == AcceleratorState.Decommissioned)
        {
            return AcceleratorRefusal.Decommissioned;
        }

        if (sequence != 0 && sequence <= _lastSequence)
        {
            return AcceleratorRefusal.None; // a reordered or replayed report: already superseded
        }

        _lastSequence = sequence;
        var now = time.GetUtcNow();
        _telemetry = telemetry;
        _lastHeartbeatAt = now;
        Lease.Renew(now);

        var from = Record.Lifecycle;
        var transition = AcceleratorLifecycle.Apply(from, LifecycleTrigger.Heartbeat);
        if (transition.ChangesStateFrom(from))
        {
            Move(transition, from, from.State == AcceleratorState.Lost || _returningFromLoss ? "node reconnected" : "first heartbeat", now);
            _returningFromLoss = false;
            await record.WriteStateAsync();
            Publish();
        }
        else if (now - _lastPublishedAt >= _options.IndexPublishInterval)
        {
            Publish();
        }

        return AcceleratorRefusal.None;
    }

    /// <inheritdoc />
    public Task<AcceleratorView?> GetAsync() => Task.FromResult(IsRegistered ? View() : null);

    /// <inheritdoc />
    public async Task<HostingRefusal> HostReplicaAsync(HostedReplica replica)
    {
        if (Record.Registration is null)
        {
            return HostingRefusal.NotRegistered;
        }

        if (Record.Hosted.TryGetValue(replica.ReplicaId, out var held) && held == replica)
        {
            return HostingRefusal.None;
        }

        if (Record.Lifecycle.State != AcceleratorState.Active)
        {
            return HostingRefusal.NotSchedulable;
        }

        var devices = Math.Max(1, Record.Registration.Gpus.Count);
        var used = Record.Hosted.Values.Where(h => h.ReplicaId != replica.ReplicaId).Sum(h => h.Devices);
        if (used + replica.Devices > devices)
        {
            return HostingRefusal.NoRoom;
        }

        Record.Hosted[replica.ReplicaId] = replica;
        await record.WriteStateAsync();
        Publish();
        return HostingRefusal.None;
    }

    /// <inheritdoc />
    public Task<int> ReservedSlotsOfAsync(string replicaId) => Task.FromResult(_slots.ActiveOf(replicaId));

    /// <inheritdoc />
    public async Task<bool> UnhostReplicaAsync(string replicaId)
    {
        if (!Record.Hosted.Remove(replicaId))
        {
            return false;
        }

        _slots.ForgetReplica(replicaId);
        Record.Drain?.Forget(replicaId);
        await record.WriteStateAsync();
        Publish();
        return true;
    }

    /// <inheritdoc />
    public Task<SlotReservationOutcome> ReserveSlotAsync(string replicaId, string placementId, TimeSpan lease, bool sessionTurn = false)
    {
        var now = time.GetUtcNow();
        if (!Record.Hosted.TryGetValue(replicaId, out var hosted) || !hosted.IsPrimary)
        {
            return Task.FromResult(new SlotReservationOutcome(SlotRefusal.UnknownReplica, 0, 0, now));
        }

        var active = _slots.ActiveOf(replicaId);
        if (_slots.Holds(placementId, replicaId))
        {
            // A retried reservation: the same placement keeps its one slot.
            _slots.Reserve(replicaId, placementId, now + lease);
            return Task.FromResult(new SlotReservationOutcome(SlotRefusal.None, active, hosted.Slots, now + lease));
        }

        if (!DrainProcess.TakesTurns(Record.Lifecycle.State, Record.Drain, replicaId, sessionTurn) || _telemetry.Health == HealthStatus.Unhealthy)
        {
            return Task.FromResult(new SlotReservationOutcome(SlotRefusal.NotSchedulable, active, hosted.Slots, now));
        }

        if (active >= hosted.Slots)
        {
            return Task.FromResult(new SlotReservationOutcome(SlotRefusal.Full, active, hosted.Slots, now));
        }

        return Task.FromResult(new SlotReservationOutcome(SlotRefusal.None, _slots.Reserve(replicaId, placementId, now + lease), hosted.Slots, now + lease));
    }

    /// <inheritdoc />
    public async Task ReleaseSlotAsync(string placementId)
    {
        if (_slots.Release(placementId) && _slots.Count == 0 && Record.Lifecycle.State == AcceleratorState.Draining)
        {
            await AdvanceDrainAsync(time.GetUtcNow()); // the last placement left: the drain may be done
        }
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> RenewSlotAsync(string placementId, TimeSpan lease)
    {
        var expires = time.GetUtcNow() + lease;
        return Task.FromResult<DateTimeOffset?>(_slots.Renew(placementId, expires) ? expires : null);
    }

    // A gateway that died never completes; its reservations run out with their lease.
    private void ExpireReservations(DateTimeOffset now)
    {
        foreach (var (placementId, replicaId) in _slots.Expire(now))
        {
            LogReservationExpired(logger, this.GetPrimaryKeyString(), placementId, replicaId);
        }
    }

    private AcceleratorOutcome? Check(AcceleratorRegistration registration)
    {
        if (Record.Registration is not { } known || Record.Lifecycle.State == AcceleratorState.Unregistered)
        {
            return null; // never seen, or added back after a decommission: any node may register it
        }

        if (Record.Lifecycle.State == AcceleratorState.Decommissioned)
        {
            return AcceleratorOutcome.Refused(AcceleratorRefusal.Decommissioned,
                $"accelerator '{known.AcceleratorId}' is decommissioned; an operator must add it back before it can register");
        }

        if (!string.Equals(known.NodeId, registration.NodeId, StringComparison.Ordinal))
        {
            return AcceleratorOutcome.Refused(AcceleratorRefusal.OwnedByAnotherNode,
                $"accelerator '{known.AcceleratorId}' is registered to node '{known.NodeId}'");
        }

        if (known.HardwareClass != registration.HardwareClass || !string.Equals(known.Sku, registration.Sku, StringComparison.OrdinalIgnoreCase))
        {
            return AcceleratorOutcome.Refused(AcceleratorRefusal.HardwareChanged,
                $"accelerator '{known.AcceleratorId}' is registered as {known.Sku}; decommission it before registering it as {registration.Sku}");
        }

        return null;
    }

    private void Move(LifecycleTransition transition, LifecyclePosition from, string reason, DateTimeOffset now)
    {
        Record.Lifecycle = transition.To;
        if (transition.ChangesStateFrom(from))
        {
            Record.StateReason = reason;
            Record.StateChangedAt = now;
            LogStateChanged(logger, this.GetPrimaryKeyString(), from.State, transition.To.State, reason);
        }
    }

    private async Task CheckLeaseAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        ExpireReservations(now);
        await AdvanceDrainAsync(now);
        if (Lease.HasExpired(now))
        {
            var from = Record.Lifecycle;
            var transition = AcceleratorLifecycle.Apply(from, LifecycleTrigger.LeaseExpired);
            if (transition.ChangesStateFrom(from))
            {
                var silence = _lastHeartbeatAt is { } last ? $"no heartbeat for {(now - last).TotalSeconds:F1}s" : "no heartbeat since registration";
                Move(transition, from, $"lease expired ({silence})", now);
                await record.WriteStateAsync(cancellationToken);
                Publish();
                return;
            }
        }

        // Refresh the index now and then, so a shard that moved to another silo fills up again.
        if (now - _lastPublishedAt >= _options.IndexPublishInterval * 10)
        {
            Publish();
        }
    }

    private void StartLeaseTimer() =>
        _leaseTimer ??= this.RegisterGrainTimer(CheckLeaseAsync, new GrainTimerCreationOptions
        {
            DueTime = _options.LeaseCheckInterval,
            Period = _options.LeaseCheckInterval,
            KeepAlive = true, // an accelerator with a lease must stay active to notice it expire
        });

    private void StopLeaseTimer()
    {
        _leaseTimer?.Dispose();
        _leaseTimer = null;
        Lease.Release();
    }

    private void Publish()
    {
        _lastPublishedAt = time.GetUtcNow();
        var shard = FleetIndexShards.ShardOf(this.GetPrimaryKeyString(), _options.IndexShards);
        GrainFactory.GetGrain<IFleetIndexShardGrain>(shard).UpsertAsync(View()).Ignore();
    }

    private AcceleratorView View() => new(
        Record.Registration!,
        Record.Lifecycle.State,
        Record.StateReason,
        _telemetry,
        Record.RegisteredAt,
        Record.StateChangedAt,
        _lastHeartbeatAt,
        Lease.ExpiresAt,
        time.GetUtcNow(),
        Record.Hosted.Values.Select(LoadOf).ToArray(),
        DrainStatusNow());

    private ReplicaLoad LoadOf(HostedReplica hosted)
    {
        var usage = _telemetry.UsageOf(hosted.ReplicaId);
        var holdReason = Record.Lifecycle.State == AcceleratorState.Draining && Record.Drain is { } drain && !drain.Released.Contains(hosted.ReplicaId)
            ? drain.Held.GetValueOrDefault(hosted.ReplicaId, "waiting for its deployment to answer")
            : null;
        return new ReplicaLoad(hosted.ReplicaId, hosted.Deployment, hosted.Devices, hosted.Slots, _slots.ActiveOf(hosted.ReplicaId),
            hosted.IsPrimary, usage?.QueueDepth ?? 0, usage?.KvUtilization ?? 0, holdReason is not null, holdReason ?? "");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Accelerator {AcceleratorId}: placement {PlacementId} on replica {ReplicaId} expired unreleased; slot freed")]
    private static partial void LogReservationExpired(ILogger logger, string acceleratorId, string placementId, string replicaId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Accelerator {AcceleratorId} registered by node {NodeId}; state {State}")]
    private static partial void LogRegistered(ILogger logger, string acceleratorId, string nodeId, AcceleratorState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Accelerator {AcceleratorId}: {From} -> {To} ({Reason})")]
    private static partial void LogStateChanged(ILogger logger, string acceleratorId, AcceleratorState from, AcceleratorState to, string reason);
}
