using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.Hosting;
using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Tenants;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Sessions;

/// <summary>
/// One session: binds it to its tenant, applies the tenant's per-pool limits, keeps the sticky replica
/// (the router prefers it while it stays healthy, schedulable and loaded), queues long-horizon jobs when
/// every replica is full, and meters completions. A model switch keeps the session and its history.
/// </summary>
public sealed class SessionGrain(
    [PersistentState("session", FleetStorage.Name)] IPersistentState<SessionRecord> record,
    IOptions<PlacementOptions> options,
    IOptions<SessionOptions> sessionOptions,
    TenantBudgetCache budgets,
    TenantChargeBuffer charges,
    PlacementRouters routers,
    StringKeyedGrainFactory<IAcceleratorGrain> accelerators,
    TimeProvider time) : Grain, ISessionGrain
{
    private const int HistoryLength = 50;
    private const int RememberedCompletions = 256;
    private readonly PlacementOptions _options = options.Value;
    private readonly Dictionary<string, ActivePlacement> _active = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentlyCompleted = new();
    private readonly HashSet<string> _completed = new(StringComparer.Ordinal);
    private bool _dirty;
    private IGrainTimer? _flush;

    private SessionRecord State => record.State;

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            await record.WriteStateAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<SessionPlaceOutcome> PlaceAsync(SessionPlaceRequest request)
    {
        var ask = request.Ask;
        if (State.TenantId.Length > 0 && !string.Equals(State.TenantId, ask.TenantId, StringComparison.Ordinal))
        {
            return new SessionPlaceOutcome(SessionRefusal.OwnedByAnotherTenant,
                $"session '{this.GetPrimaryKeyString()}' belongs to another tenant; start a new session id", null);
        }

        var switching = State.Deployment.Length > 0 && !string.Equals(State.Deployment, ask.Deployment, StringComparison.Ordinal);
        var budget = await budgets.GetAsync(GrainFactory, ask.TenantId, ask.Plan);
        ask = ask with
        {
            SessionId = this.GetPrimaryKeyString(),
            StickyReplicaId = switching || State.StickyReplicaId.Length == 0 ? null : State.StickyReplicaId,
            ExhaustedPoolBits = budget.ExhaustedBits,
        };

        var placementId = $"pl-{Guid.NewGuid():N}";
        var result = await routers.PlaceAsync(ask, placementId, request.DryRun);
        if (result.Outcome == PlacementOutcome.Queued && !request.DryRun)
        {
            result = await GrainFactory.GetGrain<IPlacementQueueGrain>(ask.Deployment).WaitForPlacementAsync(ask, placementId, _options.MaxQueueWait);
        }

        if (result.Reason == RejectionReason.LimitExhausted)
        {
            result = result with { RetryAfter = budget.Allowance.RetryAfterRefusal(result.RetryAfter) };
        }

        if (!result.Placed || request.DryRun)
        {
            return new SessionPlaceOutcome(SessionRefusal.None, "", result);
        }

        var now = time.GetUtcNow();
        if (State.TenantId.Length == 0)
        {
            State.TenantId = ask.TenantId;
            State.CreatedAt = now;
        }

        var rebound = State.Plan != ask.Plan || switching || State.Placements == 0;
        State.Plan = ask.Plan;
        var note = switching ? $"switched from {State.Deployment}"
            : State.StickyReplicaId.Length == 0 ? "first placement"
            : State.StickyReplicaId == result.ReplicaId ? "sticky" : $"moved from {State.StickyReplicaId}";
        State.Deployment = ask.Deployment;
        State.StickyReplicaId = result.ReplicaId;
        _active[placementId] = new ActivePlacement(result.ReplicaId, result.AcceleratorId, result.HardwareClass, ask.Deployment, now, result.LeaseExpiresAt);
        State.History.Add(new PlacementHistoryEntry(placementId, ask.Deployment, result.ReplicaId, result.AcceleratorId, result.HardwareClass, result.LatencyClass, now, note));
        if (State.History.Count > HistoryLength)
        {
            State.History.RemoveAt(0);
        }

        State.Placements++;
        PruneExpired(now);
        if (rebound)
        {
            // Who the session belongs to and what it talks to are written at once; usage and history
            // follow within the flush interval, so the hot path does not wait on storage.
            await record.WriteStateAsync();
            _dirty = false;
        }
        else
        {
            MarkDirty();
        }

        return new SessionPlaceOutcome(SessionRefusal.None, "", result);
    }

    /// <inheritdoc />
    public async Task<CompletionOutcome> CompleteAsync(string tenantId, string placementId, int promptTokens, int outputTokens)
    {
        if (State.TenantId.Length > 0 && !string.Equals(State.TenantId, tenantId, StringComparison.Ordinal))
        {
            return new CompletionOutcome(SessionRefusal.OwnedByAnotherTenant, $"session '{this.GetPrimaryKeyString()}' belongs to another tenant", false, 0, State.WaferTokens, State.GpuTokens);
        }

        if (!_active.Remove(placementId, out var placement))
        {
            return _completed.Contains(placementId)
                ? new CompletionOutcome(SessionRefusal.None, "already completed", true, 0, State.WaferTokens, State.GpuTokens)
                : new CompletionOutcome(SessionRefusal.UnknownPlacement,
                    $"placement '{placementId}' is not active in session '{this.GetPrimaryKeyString()}' (never made, or its lease expired)", false, 0, State.WaferTokens, State.GpuTokens);
        }

        // Bookkeeping before the first await, so a replay arriving meanwhile sees it completed.
        _recentlyCompleted.Enqueue(placementId);
        _completed.Add(placementId);
        if (_recentlyCompleted.Count > RememberedCompletions)
        {
            _completed.Remove(_recentlyCompleted.Dequeue());
        }

        var tokens = (long)promptTokens + outputTokens;
        if (placement.HardwareClass == HardwareClass.WaferScale)
        {
            State.WaferTokens += tokens;
        }
        else
        {
            State.GpuTokens += tokens;
        }

        await accelerators.Get(placement.AcceleratorId).ReleaseSlotAsync(placementId); // one-way
        routers.Released(placement.Deployment, placement.ReplicaId);
        charges.Add(State.TenantId, State.Plan, placement.HardwareClass, tokens);
        if (!budgets.Charged(State.TenantId, State.Plan, placement.HardwareClass, tokens))
        {
            charges.SendNow(State.TenantId, State.Plan, placement.HardwareClass); // the next placement asks the grain: it must know
        }

        MarkDirty();
        return new CompletionOutcome(SessionRefusal.None, "", false, placement.HardwareClass, State.WaferTokens, State.GpuTokens);
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> RenewAsync(string tenantId, string placementId)
    {
        if (!string.Equals(State.TenantId, tenantId, StringComparison.Ordinal) || !_active.TryGetValue(placementId, out var placement))
        {
            return null;
        }

        var expires = await accelerators.Get(placement.AcceleratorId).RenewSlotAsync(placementId, _options.PlacementLease);
        if (expires is null)
        {
            _active.Remove(placementId); // its lease already ran out at the accelerator
        }
        else if (_active.TryGetValue(placementId, out var current))
        {
            // Interleaved: a Complete may have removed it while the accelerator answered; it stays removed.
            _active[placementId] = current with { LeaseExpiresAt = expires.Value };
        }

        return expires;
    }

    /// <inheritdoc />
    public Task<SessionView?> GetAsync() => Task.FromResult(State.TenantId.Length == 0 ? null : new SessionView(
        this.GetPrimaryKeyString(), State.TenantId, State.Plan, State.Deployment, State.StickyReplicaId, _active.Count,
        State.WaferTokens, State.GpuTokens, State.Placements, State.History.ToArray()));

    // Placements whose lease ran out at the accelerator without Complete or Renew are forgotten here too,
    // three leases after their last expiry (a renewed long job is kept however long it runs).
    private void PruneExpired(DateTimeOffset now)
    {
        if (_active.Count < 64)
        {
            return; // a session rarely holds many; prune only when it might matter
        }

        foreach (var (id, placement) in _active.ToArray())
        {
            if (now - placement.LeaseExpiresAt > _options.PlacementLease * 3)
            {
                _active.Remove(id);
            }
        }
    }

    private void MarkDirty()
    {
        _dirty = true;
        _flush ??= this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions
        {
            DueTime = sessionOptions.Value.FlushInterval,
            Period = Timeout.InfiniteTimeSpan,
        });
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await record.WriteStateAsync(cancellationToken);
        }

        // Disposed only after writing: disposing a timer cancels the callback running on it.
        var flush = _flush;
        _flush = null;
        flush?.Dispose();
    }
}
