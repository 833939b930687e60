using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Replicas;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Replicas;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Grains.Deployments;

/// <summary>
/// Reconciling: the deployment grain reads the fleet, asks the <see cref="DeploymentReconciler"/> what to do,
/// and applies its plan (holds devices for new replicas, unloads removed ones, marks retirements).
/// </summary>
public sealed partial class DeploymentGrain
{
    /// <inheritdoc />
    public async Task ReconcileAsync()
    {
        if (State.Definition is not { } definition)
        {
            return;
        }

        var views = await ReadFleetAsync();
        var spec = definition.ToSpec();
        var now = time.GetUtcNow();
        var replicas = await Task.WhenAll(State.Replicas.Select(r => ReconciledAsync(r, spec.Shape, views)));
        var plan = Reconciler.Plan(spec, replicas, views.ToDictionary(v => v.Key, v => v.Value.Condition, StringComparer.Ordinal), Capacity(views), now);
        var changed = false;

        foreach (var failed in plan.Fail)
        {
            var replica = State.Replicas.Single(r => r.ReplicaId == failed.ReplicaId);
            replica.State = ReplicaState.Failed;
            replica.Message = failed.Reason;
            LogReplicaState(logger, Name, replica.ReplicaId, replica.State, replica.Message);
        }

        foreach (var removed in plan.Remove)
        {
            await RemoveReplicaAsync(State.Replicas.Single(r => r.ReplicaId == removed.ReplicaId), removed.Reason);
            changed = true;
        }

        var problems = plan.Problems.ToList();
        foreach (var assignment in plan.Added)
        {
            if (await AddReplicaAsync(definition, assignment, views) is { } refusal)
            {
                problems.Add(refusal);
                continue;
            }

            changed = true;
        }

        if (!problems.SequenceEqual(State.PlacementProblems))
        {
            State.PlacementProblems = problems;
            changed = true;
        }

        foreach (var retired in plan.Retire)
        {
            // Gracefully: it takes no new turns now and is unloaded once its running work is done.
            var replica = State.Replicas.Single(r => r.ReplicaId == retired.ReplicaId);
            replica.State = ReplicaState.Retiring;
            replica.Message = retired.Reason;
            replica.RetiringSince = now;
            LogReplicaState(logger, Name, replica.ReplicaId, replica.State, replica.Message);
            changed = true;
            if (Reconciler.IsRetired(await ReconciledAsync(replica, spec.Shape, views), now))
            {
                await RemoveReplicaAsync(replica, "scaled down");
            }
        }

        foreach (var replica in State.Replicas.Where(r => r.State == ReplicaState.Loading && Commands.LoadDue(r)))
        {
            Commands.LoadAsync(replica, definition).Ignore();
        }

        if (changed)
        {
            await SaveAsync();
        }
    }

    // A replica as the reconciler sees it. A retiring one carries its primary's own count of reserved slots
    // (the fleet index lags, and that count decides when it may go); the others the index's.
    private async Task<ReconciledReplica> ReconciledAsync(ReplicaRecord replica, ModelShape shape, IReadOnlyDictionary<string, AcceleratorView> views)
    {
        var active = replica.State == ReplicaState.Retiring
            ? await GrainFactory.GetGrain<IAcceleratorGrain>(replica.AcceleratorIds[0]).ReservedSlotsOfAsync(replica.ReplicaId)
            : views.TryGetValue(replica.AcceleratorIds[0], out var view) && view.Replicas.FirstOrDefault(l => l.ReplicaId == replica.ReplicaId) is { } load
                ? load.ActiveStreams
                : 0;
        return new ReconciledReplica(
            replica.ReplicaId,
            replica.State,
            new ExistingReplica(replica.Zone, replica.Racks, replica.AcceleratorIds),
            replica.Slots,
            active,
            predictor.Predict(shape, replica.Sku, replica.DevicesPerAccelerator, replica.AcceleratorIds.Count),
            replica.CreatedAt.UtcTicks,
            replica.LoadingSince ?? replica.CreatedAt,
            replica.RetiringSince,
            replica.Message,
            replica.LoadProblem);
    }

    // Accelerators new replicas may go to: every one whose SKU the catalogue knows.
    private AcceleratorCapacity[] Capacity(IReadOnlyDictionary<string, AcceleratorView> views)
    {
        var capacity = new List<AcceleratorCapacity>(views.Count);
        foreach (var view in views.Values)
        {
            if (catalogue.TryGet(view.Registration.Sku, out var sku))
            {
                var location = view.Registration.Location;
                capacity.Add(new AcceleratorCapacity(view.AcceleratorId, sku, $"{location.Region}/{location.Zone}", $"{location.Region}/{location.Zone}/{location.Rack}",
                    view.Devices, view.FreeDevices, view.Schedulable));
            }
        }

        return [.. capacity];
    }

    // Holds the devices of a new replica and tells its agents to load it; a refusal says why not.
    private async Task<string?> AddReplicaAsync(DeploymentDefinition definition, ReplicaAssignment assignment, IReadOnlyDictionary<string, AcceleratorView> views)
    {
        var now = time.GetUtcNow();
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
            CreatedAt = now,
            LoadingSince = now,
        };

        if (await HoldDevicesAsync(replica) is { } refusal)
        {
            return refusal;
        }

        State.Replicas.Add(replica);
        LogReplicaPlaced(logger, Name, replica.ReplicaId, string.Join(",", replica.AcceleratorIds), replica.Sku);
        Commands.LoadAsync(replica, definition).Ignore(); // progress comes back on the agent's stream
        return null;
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

    // Its devices are freed here whether or not its agent answers the unload.
    private async Task RemoveReplicaAsync(ReplicaRecord replica, string reason)
    {
        replica.State = ReplicaState.Unloading;
        LogReplicaRemoved(logger, Name, replica.ReplicaId, reason);
        Commands.Unload(replica);
        await Task.WhenAll(replica.AcceleratorIds.Select(id => GrainFactory.GetGrain<IAcceleratorGrain>(id).UnhostReplicaAsync(replica.ReplicaId)));
        State.Replicas.Remove(replica);
    }

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

    private void StartReconciling() =>
        _reconcileTimer ??= this.RegisterGrainTimer(_ => ReconcileAsync(), new GrainTimerCreationOptions
        {
            DueTime = _options.ReconcileInterval,
            Period = _options.ReconcileInterval,
            KeepAlive = true, // a deployment keeps its replicas in shape whether or not anyone calls it
        });
}
