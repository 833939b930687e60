using System.Text.Json;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Idempotency;
using ControlPlane.Grains.Nodes;
using ControlPlane.Grains.Replicas;
using ControlPlane.Grains.Routing;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Deployments;

/// <summary>
/// Keeps one deployment's replicas matching its spec: places missing replicas with the
/// <see cref="ReplicaPlanner"/>, holds their devices on the accelerators, tells the agents to load them,
/// marks them Ready when every agent reports them loaded, and replaces replicas whose hardware is lost.
/// </summary>
public sealed partial class DeploymentGrain(
    [PersistentState("deployment", FleetStorage.Name)] IPersistentState<DeploymentRecord> record,
    FleetIndexReader fleet,
    PerformanceModel model,
    HardwareCatalogue catalogue,
    ReplicaPredictor predictor,
    IOptions<PlacementOptions> options,
    IOptions<FleetOptions> fleetOptions,
    TimeProvider time,
    ILogger<DeploymentGrain> logger) : Grain, IDeploymentGrain
{
    private readonly PlacementOptions _options = options.Value;
    private readonly TimeSpan _commandTimeout = fleetOptions.Value.AgentCommandTimeout;
    private IGrainTimer? _reconcileTimer;

    // When each replica's load command last went out; a replica still loading is asked again after a
    // command timeout (the node may not have had a stream open, or may have restarted).
    private readonly Dictionary<string, DateTimeOffset> _loadSentAt = new(StringComparer.Ordinal);

    // Replicas this deployment let draining accelerators take out of service. Kept here (not read back from
    // the fleet index, which lags) so two drains asking at once cannot both take the last spare replica.
    private readonly HashSet<string> _disrupted = new(StringComparer.Ordinal);

    private DeploymentRecord State => record.State;

    private string Name => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Definition is not null)
        {
            StartReconciling();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<DeploymentOutcome> CreateAsync(DeploymentDefinition definition, string requestId) =>
        OnceAsync(requestId, "create " + JsonSerializer.Serialize(definition), async () =>
        {
            if (State.Definition is not null)
            {
                return Refused(DeploymentRefusal.AlreadyExists, $"deployment '{Name}' already exists; update or scale it instead");
            }

            var now = time.GetUtcNow();
            State.Definition = definition;
            State.CreatedAt = now;
            await SaveAsync();
            await GrainFactory.GetGrain<IDeploymentDirectoryGrain>(0).AddAsync(Name);
            LogCreated(logger, Name, definition.Model, definition.DesiredReplicas);
            StartReconciling();
            await ReconcileAsync();
            return Accepted();
        });

    /// <inheritdoc />
    public Task<DeploymentOutcome> UpdateAsync(DeploymentDefinition definition, string requestId) =>
        OnceAsync(requestId, "update " + JsonSerializer.Serialize(definition), async () =>
        {
            if (State.Definition is null)
            {
                return NotFound();
            }

            State.Definition = definition;
            await SaveAsync();
            await ReconcileAsync();
            return Accepted();
        });

    /// <inheritdoc />
    public Task<DeploymentOutcome> ScaleAsync(int desiredReplicas, int? minReplicas, string requestId) =>
        OnceAsync(requestId, $"scale {desiredReplicas} {minReplicas}", async () =>
        {
            if (State.Definition is not { } definition)
            {
                return NotFound();
            }

            State.Definition = definition with
            {
                DesiredReplicas = desiredReplicas,
                MinReplicas = Math.Min(minReplicas ?? definition.MinReplicas, desiredReplicas),
                MaxReplicas = definition.MaxReplicas == 0 ? 0 : Math.Max(definition.MaxReplicas, desiredReplicas),
            };
            await SaveAsync();
            LogScaled(logger, Name, desiredReplicas);
            await ReconcileAsync();
            return Accepted();
        });

    /// <inheritdoc />
    public Task<DeploymentOutcome> DeleteAsync(string requestId) =>
        OnceAsync(requestId, "delete", async () =>
        {
            if (State.Definition is null)
            {
                return NotFound();
            }

            var view = View();
            await Task.WhenAll(State.Replicas.ToArray().Select(r => RemoveReplicaAsync(r, "deployment deleted")));
            State.Definition = null;
            State.Replicas.Clear();
            State.PlacementProblems.Clear();
            await SaveAsync();
            await GrainFactory.GetGrain<IDeploymentDirectoryGrain>(0).RemoveAsync(Name);
            _reconcileTimer?.Dispose();
            _reconcileTimer = null;
            LogDeleted(logger, Name);
            return new DeploymentOutcome(DeploymentRefusal.None, "", view);
        });

    /// <inheritdoc />
    public Task<DeploymentView?> GetAsync() => Task.FromResult(State.Definition is null ? null : View());

    /// <inheritdoc />
    public async Task ReportReplicaAsync(string replicaId, string acceleratorId, ReplicaState state, string message, string endpoint)
    {
        var replica = State.Replicas.Find(r => r.ReplicaId == replicaId);
        if (replica is null || !replica.AcceleratorIds.Contains(acceleratorId))
        {
            return; // a late report on a replica already removed
        }

        var before = (replica.State, replica.Endpoint, replica.LoadedOn.Count);
        if (endpoint.Length > 0 && acceleratorId == replica.AcceleratorIds[0])
        {
            replica.Endpoint = endpoint;
        }

        switch (state)
        {
            case ReplicaState.Ready when replica.State is ReplicaState.Loading or ReplicaState.Ready:
                replica.LoadedOn.Add(acceleratorId);
                if (replica.AcceleratorIds.All(replica.LoadedOn.Contains))
                {
                    replica.State = ReplicaState.Ready;
                    replica.Message = "loaded";
                    replica.LoadingSince = null;
                    replica.LoadProblem = "";
                }

                break;
            case ReplicaState.Failed when replica.State != ReplicaState.Unloading:
                replica.State = ReplicaState.Failed;
                replica.Message = $"agent on {acceleratorId} failed to load it: {message}";
                break;
            case ReplicaState.Loading when replica.State == ReplicaState.Ready && replica.LoadedOn.Remove(acceleratorId):
                replica.State = ReplicaState.Loading; // the agent restarted and is loading again
                replica.Message = $"reloading on {acceleratorId}";
                replica.LoadingSince = time.GetUtcNow();
                break;
        }

        if (before != (replica.State, replica.Endpoint, replica.LoadedOn.Count))
        {
            LogReplicaState(logger, Name, replicaId, replica.State, replica.Message);
            await SaveAsync();
        }
    }

    /// <inheritdoc />
    public async Task ConfirmReplicaAsync(string replicaId, string acceleratorId)
    {
        if (State.Definition is not { } definition
            || State.Replicas.Find(r => r.ReplicaId == replicaId) is not { } replica
            || !replica.AcceleratorIds.Contains(acceleratorId)
            || replica.State is not (ReplicaState.Loading or ReplicaState.Ready))
        {
            return;
        }

        replica.LoadedOn.Remove(acceleratorId);
        if (replica.State == ReplicaState.Ready)
        {
            replica.State = ReplicaState.Loading;
            replica.Message = $"{acceleratorId} registered again; waiting for its agent to confirm the weights";
            replica.LoadingSince = time.GetUtcNow();
            LogReplicaState(logger, Name, replicaId, replica.State, replica.Message);
            await SaveAsync();
        }

        // Ask again: an agent that still serves it says so at once; a restarted one loads it.
        SendLoadAsync(replica, definition).Ignore();
    }

    /// <inheritdoc />
    public async Task ReconcileAsync()
    {
        if (State.Definition is not { } definition)
        {
            return;
        }

        var views = await ReadFleetAsync();
        var changed = FailStuckLoads();

        // Replicas whose hardware is gone, lost or drained, or that failed to load, are removed and replaced.
        foreach (var replica in State.Replicas.ToArray())
        {
            if (BrokenBecause(replica, views) is { } reason)
            {
                await RemoveReplicaAsync(replica, reason);
                changed = true;
            }
        }

        // Replicas on cordoned or draining hardware take no new sessions, so they do not count: replacements
        // are placed at once. A draining accelerator gives its replicas up through RequestDisruptionAsync.
        var serving = State.Replicas.Where(r => IsServing(r, views)).ToList();
        var spec = definition.ToSpec();
        var wanted = ReplicaTarget.For(definition.DesiredReplicas, definition.MaxReplicas,
            serving.Select(r => LoadSample(r, LoadOf(r, views), spec)).ToArray(),
            _options.ScaleOutUtilization, _options.ScaleInUtilization);
        if (serving.Count < wanted)
        {
            changed |= await AddReplicasAsync(definition, wanted - serving.Count, views, serving);
        }
        else if (serving.Count > wanted)
        {
            // Scale down: replicas still loading go first, then the least busy, then the newest.
            var extras = serving
                .OrderBy(r => r.State == ReplicaState.Loading ? 0 : 1)
                .ThenBy(r => LoadOf(r, views).ActiveStreams)
                .ThenByDescending(r => r.CreatedAt)
                .Take(serving.Count - wanted).ToArray();
            foreach (var replica in extras)
            {
                // Gracefully: it takes no new turns now and is unloaded once its running work is done.
                replica.State = ReplicaState.Retiring;
                replica.Message = "scaled down: unloading once its running work is done";
                replica.RetiringSince = time.GetUtcNow();
                LogReplicaState(logger, Name, replica.ReplicaId, replica.State, replica.Message);
            }

            changed = true;
        }

        foreach (var replica in State.Replicas.Where(r => r.State == ReplicaState.Retiring).ToArray())
        {
            if (await RetiredAsync(replica))
            {
                await RemoveReplicaAsync(replica, "scaled down");
                changed = true;
            }
        }

        var now = time.GetUtcNow();
        foreach (var replica in State.Replicas.Where(r => r.State == ReplicaState.Loading))
        {
            if (!_loadSentAt.TryGetValue(replica.ReplicaId, out var sentAt) || now - sentAt >= _commandTimeout)
            {
                SendLoadAsync(replica, definition).Ignore();
            }
        }

        if (changed)
        {
            await SaveAsync();
        }
    }

    // A replica loading for longer than the load timeout is failed, so this reconcile replaces it: an agent
    // that never acknowledges the command, or never reports the weights loaded, must not hold it forever.
    private bool FailStuckLoads()
    {
        var now = time.GetUtcNow();
        var failed = false;
        foreach (var replica in State.Replicas.Where(r => r.State == ReplicaState.Loading))
        {
            var since = replica.LoadingSince ?? replica.CreatedAt;
            if (now - since < _options.ReplicaLoadTimeout)
            {
                continue;
            }

            replica.State = ReplicaState.Failed;
            replica.Message = $"not ready {_options.ReplicaLoadTimeout} after loading started" +
                (replica.LoadProblem.Length > 0 ? $" ({replica.LoadProblem})" : $" ({replica.Message})");
            LogReplicaState(logger, Name, replica.ReplicaId, replica.State, replica.Message);
            failed = true;
        }

        return failed;
    }

    /// <inheritdoc />
    public async Task RequestDisruptionAsync(string replicaId, string acceleratorId, bool force)
    {
        var accelerator = GrainFactory.GetGrain<IAcceleratorGrain>(acceleratorId);
        if (State.Definition is not { } definition || State.Replicas.Find(r => r.ReplicaId == replicaId) is not { } replica)
        {
            accelerator.ReleaseReplicaAsync(replicaId).Ignore(); // not ours (any more): nothing to protect
            return;
        }

        // Only this deployment's hardware: a held replica asks every lease tick, and the fleet may be large.
        var views = await fleet.GetManyAsync(State.Replicas.SelectMany(r => r.AcceleratorIds), CancellationToken.None);
        _disrupted.RemoveWhere(id => State.Replicas.Find(r => r.ReplicaId == id) is not { } r
            || r.AcceleratorIds.All(a => views.TryGetValue(a, out var v) && v.State == AcceleratorState.Active));
        var left = State.Replicas.Count(r => r != replica && r.State == ReplicaState.Ready && !_disrupted.Contains(r.ReplicaId) && TakesTurns(r, views));
        if (force || left >= definition.MinReplicas || _disrupted.Contains(replicaId))
        {
            _disrupted.Add(replicaId);
            LogDisruptionGranted(logger, Name, replicaId, acceleratorId, left, definition.MinReplicas, force);
            accelerator.ReleaseReplicaAsync(replicaId).Ignore();
            return;
        }

        var loading = State.Replicas.Count(r => r.State == ReplicaState.Loading && IsServing(r, views));
        accelerator.HoldReplicaAsync(replicaId,
            $"deployment {Name} keeps at least {definition.MinReplicas} ready replica(s) (its disruption budget); {left} would be left, " +
            (loading > 0 ? $"{loading} replacement(s) loading" : "no replacement placed yet: " + (State.PlacementProblems.FirstOrDefault() ?? "waiting for the next reconcile"))).Ignore();
    }

    private async Task<bool> AddReplicasAsync(DeploymentDefinition definition, int count, IReadOnlyDictionary<string, AcceleratorView> views, List<ReplicaRecord> serving)
    {
        var spec = definition.ToSpec();
        var capacities = views.Values
            .Where(v => catalogue.TryGet(v.Registration.Sku, out _))
            .Select(v => new AcceleratorCapacity(
                v.AcceleratorId,
                Sku(v),
                $"{v.Registration.Location.Region}/{v.Registration.Location.Zone}",
                $"{v.Registration.Location.Region}/{v.Registration.Location.Zone}/{v.Registration.Location.Rack}",
                v.Devices,
                v.FreeDevices,
                v.Schedulable))
            .ToArray();
        var existing = serving.Select(r => new ExistingReplica(r.Zone, r.Racks, r.AcceleratorIds)).ToArray();
        var plan = new ReplicaPlanner(model).Plan(spec, count, capacities, existing);

        var problems = plan.Unplaced > 0
            ? [$"{plan.Unplaced} of {count} missing replica(s) cannot be placed", .. plan.Reasons]
            : new List<string>();
        var changed = !problems.SequenceEqual(State.PlacementProblems);
        foreach (var assignment in plan.Assignments)
        {
            var replica = new ReplicaRecord
            {
                ReplicaId = $"{Name}-{State.NextReplica++}",
                AcceleratorIds = assignment.AcceleratorIds.ToList(),
                NodeIds = assignment.AcceleratorIds.Select(id => views[id].Registration.NodeId).ToList(),
                Racks = assignment.AcceleratorIds.Select(id => views[id].Registration.Location.Rack).ToList(),
                Sku = assignment.Sku.Name,
                HardwareClass = assignment.Sku.Class,
                DevicesPerAccelerator = assignment.DevicesPerAccelerator,
                Slots = assignment.StreamSlots,
                Zone = assignment.Zone,
                Pool = views[assignment.AcceleratorIds[0]].Registration.Pool,
                State = ReplicaState.Loading,
                Message = "loading weights",
                CreatedAt = time.GetUtcNow(),
                LoadingSince = time.GetUtcNow(),
            };

            if (await HoldDevicesAsync(replica) is { } refusal)
            {
                problems.Add(refusal);
                continue;
            }

            State.Replicas.Add(replica);
            changed = true;
            LogReplicaPlaced(logger, Name, replica.ReplicaId, string.Join(",", replica.AcceleratorIds), replica.Sku);

            // Not awaited: the agent reports progress through its stream, and that report must be able to
            // reach this grain while the acknowledgement is still on its way.
            SendLoadAsync(replica, definition).Ignore();
        }

        State.PlacementProblems = problems;
        return changed;
    }

    private async Task<string?> HoldDevicesAsync(ReplicaRecord replica)
    {
        var held = new List<string>();
        for (var i = 0; i < replica.AcceleratorIds.Count; i++)
        {
            var id = replica.AcceleratorIds[i];
            var refusal = await GrainFactory.GetGrain<IAcceleratorGrain>(id)
                .HostReplicaAsync(new HostedReplica(replica.ReplicaId, Name, replica.DevicesPerAccelerator, replica.Slots, IsPrimary: i == 0, replica.AcceleratorIds[0]));
            if (refusal != HostingRefusal.None)
            {
                // All or nothing: give back what this replica already took.
                await Task.WhenAll(held.Select(h => GrainFactory.GetGrain<IAcceleratorGrain>(h).UnhostReplicaAsync(replica.ReplicaId)));
                return $"accelerator '{id}' refused replica {replica.ReplicaId} ({refusal}); retrying at the next reconcile";
            }

            held.Add(id);
        }

        return null;
    }

    private async Task SendLoadAsync(ReplicaRecord replica, DeploymentDefinition definition)
    {
        _loadSentAt[replica.ReplicaId] = time.GetUtcNow();
        await Task.Yield(); // let the reconcile turn finish first
        var shape = definition.ToSpec().Shape;
        var performance = PerformanceOf(replica, shape) ?? default;
        var outcomes = await Task.WhenAll(ByNode(replica).Select(async group =>
        {
            var command = new NodeCommand($"load-{replica.ReplicaId}-{Guid.NewGuid():N}", NodeCommandKind.LoadReplica, time.GetUtcNow(), "", null,
                new ReplicaCommand(replica.ReplicaId, Name, definition.Model, shape.WeightsBytes, group.AcceleratorIds, replica.Slots,
                    performance.SingleStreamTokensPerSecond, performance.BatchSlowdown, performance.PrefillTokensPerSecond,
                    TimeSpan.FromSeconds(performance.FirstTokenOverheadSeconds)));
            return (group.NodeId, Outcome: await GrainFactory.GetGrain<INodeGrain>(group.NodeId).SendCommandAsync(command, _commandTimeout));
        }));

        var failed = outcomes.Where(o => !o.Outcome.Success).ToArray();
        if (failed.Length > 0)
        {
            replica.Message = $"load command not acknowledged by node {failed[0].NodeId}: {failed[0].Outcome.Message}";
            replica.LoadProblem = replica.State == ReplicaState.Loading ? replica.Message : "";
            LogReplicaState(logger, Name, replica.ReplicaId, replica.State, replica.Message);
        }
        else
        {
            replica.LoadProblem = "";
        }
    }

    private async Task RemoveReplicaAsync(ReplicaRecord replica, string reason)
    {
        replica.State = ReplicaState.Unloading;
        _loadSentAt.Remove(replica.ReplicaId);
        LogReplicaRemoved(logger, Name, replica.ReplicaId, reason);

        // Fire and forget, like loads: an agent that is down unloads nothing anyway, and its devices are
        // freed here regardless (a returning agent is told again if it still serves the replica).
        foreach (var group in ByNode(replica))
        {
            GrainFactory.GetGrain<INodeGrain>(group.NodeId).SendCommandAsync(
                new NodeCommand($"unload-{replica.ReplicaId}-{Guid.NewGuid():N}", NodeCommandKind.UnloadReplica, time.GetUtcNow(), "", null,
                    new ReplicaCommand(replica.ReplicaId, Name, "", 0, group.AcceleratorIds, 0, 0, 0)),
                _commandTimeout).Ignore();
        }

        await Task.WhenAll(replica.AcceleratorIds.Select(id => GrainFactory.GetGrain<IAcceleratorGrain>(id).UnhostReplicaAsync(replica.ReplicaId)));
        State.Replicas.Remove(replica);
    }

    private static IEnumerable<(string NodeId, IReadOnlyList<string> AcceleratorIds)> ByNode(ReplicaRecord replica) =>
        replica.NodeIds.Zip(replica.AcceleratorIds)
            .GroupBy(p => p.First, p => p.Second)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.ToArray()));

    private static string? BrokenBecause(ReplicaRecord replica, IReadOnlyDictionary<string, AcceleratorView> views)
    {
        if (replica.State == ReplicaState.Failed)
        {
            return replica.Message;
        }

        foreach (var id in replica.AcceleratorIds)
        {
            if (!views.TryGetValue(id, out var view))
            {
                return $"accelerator '{id}' is no longer in the fleet";
            }

            if (view.State is AcceleratorState.Lost or AcceleratorState.Decommissioned or AcceleratorState.Drained)
            {
                return $"accelerator '{id}' is {view.State}";
            }
        }

        return null;
    }

    // A retiring replica goes when no placement holds a slot on it any more, or when every placement that
    // could still hold one has outlived its lease.
    private async Task<bool> RetiredAsync(ReplicaRecord replica)
    {
        if (replica.RetiringSince is { } since && time.GetUtcNow() - since >= _options.PlacementLease)
        {
            return true;
        }

        return await GrainFactory.GetGrain<IAcceleratorGrain>(replica.AcceleratorIds[0]).ReservedSlotsOfAsync(replica.ReplicaId) == 0;
    }

    // Ready replicas that still take turns: on active accelerators, or held on draining ones.
    private static bool TakesTurns(ReplicaRecord replica, IReadOnlyDictionary<string, AcceleratorView> views) =>
        replica.AcceleratorIds.All(id => views.TryGetValue(id, out var view) && view.TakesTurnsOf(replica.ReplicaId));

    private static ReplicaLoad LoadOf(ReplicaRecord replica, IReadOnlyDictionary<string, AcceleratorView> views) =>
        views.TryGetValue(replica.AcceleratorIds[0], out var view) && view.Replicas.FirstOrDefault(l => l.ReplicaId == replica.ReplicaId) is { } load
            ? load
            : new ReplicaLoad(replica.ReplicaId, "", 0, replica.Slots, 0, true);

    private ReplicaLoadSample LoadSample(ReplicaRecord replica, ReplicaLoad load, DeploymentSpec spec) =>
        PerformanceOf(replica, spec.Shape) is { } performance
            ? ReplicaTarget.SampleOf(spec, performance, load.ActiveStreams, load.Slots)
            : new ReplicaLoadSample(load.ActiveStreams, load.Slots);

    // What the replica's hardware does for the model; null when its SKU left the catalogue.
    private ReplicaPerformance? PerformanceOf(ReplicaRecord replica, ModelShape shape) =>
        predictor.Predict(shape, replica.Sku, replica.DevicesPerAccelerator, replica.AcceleratorIds.Count);

    private static bool IsServing(ReplicaRecord replica, IReadOnlyDictionary<string, AcceleratorView> views) =>
        replica.State is ReplicaState.Loading or ReplicaState.Ready
        && replica.AcceleratorIds.All(id => views.TryGetValue(id, out var view) && view.Schedulable);

    private async Task<IReadOnlyDictionary<string, AcceleratorView>> ReadFleetAsync()
    {
        var views = new Dictionary<string, AcceleratorView>(StringComparer.Ordinal);
        string? after = null;
        while (true)
        {
            var page = await fleet.QueryAsync(new AcceleratorQuery(null, null, null, null, after, 5_000), CancellationToken.None);
            foreach (var view in page.Accelerators)
            {
                views[view.AcceleratorId] = view;
            }

            if (!page.HasMore || page.Accelerators.Count == 0)
            {
                return views;
            }

            after = page.Accelerators[^1].AcceleratorId;
        }
    }

    private HardwareSku Sku(AcceleratorView view) => catalogue.TryGet(view.Registration.Sku, out var sku) ? sku : throw new InvalidOperationException(view.Registration.Sku);

    private void StartReconciling() =>
        _reconcileTimer ??= this.RegisterGrainTimer(_ => ReconcileAsync(), new GrainTimerCreationOptions
        {
            DueTime = _options.ReconcileInterval,
            Period = _options.ReconcileInterval,
            KeepAlive = true, // a deployment keeps its replicas in shape whether or not anyone calls it
        });

    private async Task SaveAsync()
    {
        State.Version++;
        State.UpdatedAt = time.GetUtcNow();
        await record.WriteStateAsync();
    }

    private async Task<DeploymentOutcome> OnceAsync(string requestId, string fingerprint, Func<Task<DeploymentOutcome>> act)
    {
        var seen = State.Requests.Check<DeploymentRefusal>(requestId, fingerprint, time.GetUtcNow());
        switch (seen.Verdict)
        {
            case LedgerVerdict.IdReused:
                return Refused(DeploymentRefusal.RequestIdReused, $"request id '{requestId}' was already used for a different request; use a new id");
            case LedgerVerdict.Repeat:
                return new DeploymentOutcome(seen.Outcome, seen.Message, State.Definition is null ? null : View());
        }

        var outcome = await act();
        if (requestId.Length > 0)
        {
            State.Requests.Remember(requestId, fingerprint, outcome.Refusal, outcome.Message, time.GetUtcNow());
            await record.WriteStateAsync();
        }

        return outcome;
    }

    private DeploymentOutcome Accepted() => new(DeploymentRefusal.None, "", View());

    private DeploymentOutcome NotFound() => Refused(DeploymentRefusal.NotFound, $"deployment '{Name}' does not exist");

    private static DeploymentOutcome Refused(DeploymentRefusal refusal, string message) => new(refusal, message, null);

    // Problems are the last placement's, and every loading replica whose load is known not to progress.
    private DeploymentView View() => new(
        State.Definition!,
        State.Replicas.Select(ReplicaView.Of).ToArray(),
        [.. State.Replicas.Where(r => r.State == ReplicaState.Loading && r.LoadProblem.Length > 0)
                .Select(r => $"replica {r.ReplicaId} is stuck loading: {r.LoadProblem}; it is replaced if not ready within {_options.ReplicaLoadTimeout} of starting"),
            .. State.PlacementProblems],
        State.CreatedAt,
        State.UpdatedAt,
        State.Version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment} created: model {Model}, {Desired} replica(s) wanted")]
    private static partial void LogCreated(ILogger logger, string deployment, string model, int desired);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment} scaled to {Desired} replica(s)")]
    private static partial void LogScaled(ILogger logger, string deployment, int desired);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} on draining {AcceleratorId} may go ({Left} ready left, minimum {Min}, forced {Force})")]
    private static partial void LogDisruptionGranted(ILogger logger, string deployment, string replicaId, string acceleratorId, int left, int min, bool force);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment} deleted")]
    private static partial void LogDeleted(ILogger logger, string deployment);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} placed on {Accelerators} ({Sku})")]
    private static partial void LogReplicaPlaced(ILogger logger, string deployment, string replicaId, string accelerators, string sku);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} removed ({Reason})")]
    private static partial void LogReplicaRemoved(ILogger logger, string deployment, string replicaId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} is {State} ({Message})")]
    private static partial void LogReplicaState(ILogger logger, string deployment, string replicaId, ReplicaState state, string message);
}
