using ControlPlane.Placement.Replicas;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Hosting;
using ControlPlane.Grains.Replicas;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Routing;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Routing;

/// <summary>
/// A silo-local router for one deployment: keeps a <see cref="DeploymentRoutes"/> index refreshed from the
/// deployment grain and the fleet index, runs the <see cref="PlacementEngine"/>, and reserves the winner's
/// slot at its accelerator, falling back to the next candidate when the reservation loses a race.
/// </summary>
/// <remarks>
/// Every silo holds its own router per deployment (see <see cref="PlacementRouters"/>), so decisions never
/// queue on one hot activation, and the accelerator's reservation is the authority when a copy is stale.
/// It is a plain object called in the caller's turn rather than a grain: a decision takes about a
/// microsecond, and a grain hop to make it cost more than the decision itself. Thread-safe: the index and
/// the engine are touched only under a lock, which is never held across an await.
/// </remarks>
internal sealed class DeploymentRouter(
    string deployment,
    IGrainFactory grains,
    StringKeyedGrainFactory<IAcceleratorGrain> accelerators,
    FleetIndexReader fleet,
    ReplicaPredictor predictor,
    PlacementOptions options,
    TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly PlacementEngine _engine = new(PlacementPipeline.Default(options.Weights), options.Engine, new Random());
    private DeploymentRoutes? _routes;
    private long _version = -1;
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _loadsReadAt = DateTimeOffset.MinValue;
    private Task? _refreshing;

    /// <summary>Whether the last refresh found the deployment gone (or none has run yet).</summary>
    internal bool KnowsNoDeployment => _routes is null;

    /// <summary>Places <paramref name="ask"/>: decides, then reserves a slot under <paramref name="placementId"/> unless <paramref name="dryRun"/>.</summary>
    public async Task<PlacementResult> PlaceAsync(PlacementAsk ask, string placementId, bool dryRun)
    {
        await EnsureFreshAsync();
        var routes = _routes;
        if (routes is null)
        {
            return PlacementResult.NotPlaced(PlacementOutcome.Rejected, RejectionReason.UnknownDeployment,
                $"deployment '{ask.Deployment}' does not exist", LatencyClass.Interactive, TimeSpan.Zero, DecisionExplanation.None);
        }

        var request = ask.ToRequest();
        var weights = _engine.Pipeline.ScorerWeights;
        var attempts = 0;
        PlacementDecision? last = null;
        for (var round = 0; round < options.ReservationAttempts; round++)
        {
            var decision = Decide(request, routes);
            if (decision.Reason == RejectionReason.NoCapacity && await ReadLiveLoadsAsync(routes))
            {
                decision = Decide(request, routes); // "full" was this copy's belief; the accelerators said otherwise
            }

            last = decision;
            if (decision.Outcome != PlacementOutcome.Placed)
            {
                return PlacementResult.NotPlaced(decision.Outcome, decision.Reason, decision.Message, decision.LatencyClass,
                    decision.RetryAfter, DecisionExplanation.From(decision.Explanation, weights, attempts));
            }

            foreach (var candidate in decision.Ranked)
            {
                var replica = candidate.Replica;
                if (dryRun)
                {
                    return Placed(decision, candidate, placementId, default, weights, attempts, dryRun: true);
                }

                attempts++;
                var sessionTurn = string.Equals(request.StickyReplicaId, replica.ReplicaId, StringComparison.Ordinal);
                var outcome = await accelerators.Get(replica.PrimaryAcceleratorId)
                    .ReserveSlotAsync(replica.ReplicaId, placementId, options.PlacementLease, sessionTurn);
                lock (_lock)
                {
                    switch (outcome.Refusal)
                    {
                        case SlotRefusal.None:
                            routes.SetActiveStreams(replica, Math.Min(outcome.ActiveStreams, replica.Slots));
                            break;
                        case SlotRefusal.Full:
                            routes.SetActiveStreams(replica, replica.Slots);
                            break;
                        case SlotRefusal.NotSchedulable:
                            replica.Schedulable = false;
                            if (sessionTurn)
                            {
                                replica.HeldForSessions = false; // refused even its own session: released
                            }

                            break;
                        default:
                            replica.Ready = false;
                            break;
                    }
                }

                if (outcome.Refusal == SlotRefusal.None)
                {
                    return Placed(decision, candidate, placementId, outcome.LeaseExpiresAt, weights, attempts, dryRun: false);
                }
            }
        }

        // Every candidate lost its race: the copy was stale. Refresh soon and tell the caller to retry.
        lock (_lock)
        {
            _refreshedAt = DateTimeOffset.MinValue;
        }

        return PlacementResult.NotPlaced(PlacementOutcome.Rejected, RejectionReason.NoCapacity,
            $"every candidate replica filled up while reserving ({attempts} attempts); retry shortly",
            last?.LatencyClass ?? LatencyClass.Interactive, options.Engine.FullRetryAfter,
            last is null ? DecisionExplanation.None : DecisionExplanation.From(last.Explanation, weights, attempts));
    }

    private PlacementDecision Decide(PlacementRequest request, DeploymentRoutes routes)
    {
        lock (_lock)
        {
            return _engine.Decide(request, routes);
        }
    }

    private static PlacementResult Placed(PlacementDecision decision, RankedCandidate candidate, string placementId, DateTimeOffset leaseExpiresAt, IReadOnlyList<double> weights, int attempts, bool dryRun)
    {
        var replica = candidate.Replica;
        return new PlacementResult(
            PlacementOutcome.Placed, RejectionReason.None,
            $"{replica.ReplicaId} on {replica.PrimaryAcceleratorId} ({replica.Pool}) as {decision.LatencyClass}",
            decision.LatencyClass, dryRun ? "" : placementId, replica.ReplicaId, replica.PrimaryAcceleratorId,
            replica.Endpoint, replica.Class, replica.Pool,
            candidate.Prediction.TimeToFirstTokenSeconds, candidate.Prediction.TokensPerSecond, candidate.Prediction.CompletionSeconds,
            leaseExpiresAt, TimeSpan.Zero, DecisionExplanation.From(decision.Explanation, weights, attempts), dryRun);
    }

    /// <summary>Frees one slot of <paramref name="replicaId"/> in this copy: a placement made here completed.</summary>
    internal void Released(string replicaId)
    {
        lock (_lock)
        {
            if (_routes is { } routes && routes.TryGet(replicaId, out var replica))
            {
                routes.Release(replica);
            }
        }
    }

    /// <summary>Slots this copy believes are reserved on <paramref name="replicaId"/>; null when it does not know the replica.</summary>
    internal int? ActiveStreamsOf(string replicaId)
    {
        lock (_lock)
        {
            return _routes is { } routes && routes.TryGet(replicaId, out var replica) ? replica.ActiveStreams : null;
        }
    }

    // The copy learns of this silo's completions at once (Released), but of other silos' only through the
    // fleet index, which accelerators update with their heartbeats (seconds apart), so it can see replicas
    // fuller than they are. Before refusing for capacity, read the load from the replicas' accelerators
    // themselves, at most once per LiveLoadInterval.
    private async Task<bool> ReadLiveLoadsAsync(DeploymentRoutes routes)
    {
        RoutableReplica[] replicas;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now - _loadsReadAt < options.LiveLoadInterval)
            {
                return false;
            }

            _loadsReadAt = now;
            replicas = routes.Replicas(HardwareClass.WaferScale).Concat(routes.Replicas(HardwareClass.Gpu)).ToArray();
        }

        var views = await Task.WhenAll(replicas.Select(r => r.PrimaryAcceleratorId).Distinct(StringComparer.Ordinal)
            .Select(id => accelerators.Get(id).GetAsync()));
        var loads = views.Where(v => v is not null).SelectMany(v => v!.Replicas).Where(l => l.IsPrimary).ToDictionary(l => l.ReplicaId, StringComparer.Ordinal);
        var freed = false;
        lock (_lock)
        {
            foreach (var replica in replicas)
            {
                if (loads.TryGetValue(replica.ReplicaId, out var load))
                {
                    var active = Math.Min(load.ActiveStreams, replica.Slots);
                    freed |= active < replica.ActiveStreams;
                    routes.SetActiveStreams(replica, active);
                }
            }
        }

        return freed;
    }

    private Task EnsureFreshAsync()
    {
        lock (_lock)
        {
            if (time.GetUtcNow() - _refreshedAt < options.RouteRefreshInterval)
            {
                return Task.CompletedTask;
            }

            // One refresh at a time; callers meanwhile wait for it. Started outside any grain's turn, so
            // its continuations do not ride on (or deadlock against) the caller that happened to start it.
            return _refreshing ??= Task.Run(RefreshAsync);
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            var view = await grains.GetGrain<IDeploymentGrain>(deployment).GetAsync();
            if (view is null)
            {
                lock (_lock)
                {
                    _routes = null;
                    _version = -1;
                    _refreshedAt = time.GetUtcNow();
                }

                return;
            }

            var live = view.Replicas.Where(r => r.State is ReplicaState.Loading or ReplicaState.Ready).ToArray();
            var accelerators = await fleet.GetManyAsync(live.SelectMany(r => r.AcceleratorIds), CancellationToken.None);
            lock (_lock)
            {
                Apply(view, live, accelerators);
            }
        }
        finally
        {
            lock (_lock)
            {
                _refreshing = null;
            }
        }
    }

    private void Apply(DeploymentView view, ReplicaView[] live, IReadOnlyDictionary<string, AcceleratorView> accelerators)
    {
        var spec = view.Definition.ToSpec();
        var routes = _routes is not null && _version == view.Version ? _routes : new DeploymentRoutes(spec);
        routes.Spec = spec;
        foreach (var replica in live)
        {
            if (predictor.Predict(spec.Shape, replica.Sku, replica.DevicesPerAccelerator, replica.AcceleratorIds.Count) is not { } performance)
            {
                continue; // a SKU the catalogue does not know cannot be predicted or routed to
            }

            if (!routes.TryGet(replica.ReplicaId, out var routable))
            {
                routable = new RoutableReplica(replica.ReplicaId, view.Definition.Name, replica.HardwareClass, replica.Pool,
                    replica.AcceleratorIds, performance, replica.Slots, spec.ContextWindowTokens);
                routes.Upsert(routable);
            }

            routable.Ready = replica.State == ReplicaState.Ready;
            routable.Endpoint = replica.Endpoint;
            var views = replica.AcceleratorIds.Select(id => accelerators.GetValueOrDefault(id)).ToArray();
            routable.Schedulable = views.All(v => v is { Schedulable: true });
            routable.HeldForSessions = !routable.Schedulable && views.All(v => v is not null && v.TakesTurnsOf(replica.ReplicaId));
            routable.Healthy = views.All(v => v is not null && v.Telemetry.Health != HealthStatus.Unhealthy);
            var load = views[0]?.Replicas.FirstOrDefault(l => l.ReplicaId == replica.ReplicaId);
            if (load is not null)
            {
                routes.SetActiveStreams(routable, Math.Min(load.ActiveStreams, routable.Slots));
                routable.QueueDepth = load.QueueDepth;
                routable.KvUtilization = load.KvUtilization;
            }
        }

        foreach (var gone in view.Replicas.Where(r => r.State is not (ReplicaState.Loading or ReplicaState.Ready)))
        {
            routes.Remove(gone.ReplicaId);
        }

        _routes = routes;
        _version = view.Version;
        _refreshedAt = time.GetUtcNow();
    }
}
