using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;
using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Fleets;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Engine;

/// <summary>Replicas in the run: registered, reconciled by the control plane's <see cref="DeploymentReconciler"/>, loaded and unloaded.</summary>
internal sealed partial class FleetSimulation
{
    // A replica joins the run: routers see it, it holds its devices, and it gets a prefix cache the size
    // of its KV room.
    private SimReplica Register(DeploymentSpec spec, string replicaId, ReplicaAssignment assignment, ReplicaPerformance performance, bool ready)
    {
        var routable = new RoutableReplica(replicaId, spec.Name, assignment.Sku.Class, _poolOf[assignment.AcceleratorIds[0]],
            assignment.AcceleratorIds, performance, assignment.StreamSlots, spec.ContextWindowTokens)
        { Ready = ready, Endpoint = $"sim://{replicaId}" };
        _routes[spec.Name].Upsert(routable);
        var cache = new PrefixCache((int)Math.Min(int.MaxValue, (long)assignment.StreamSlots * spec.ContextWindowTokens / SimRequest.BlockTokens));
        var replica = new SimReplica(routable, cache, assignment, _replicasCreated++);
        _replicas[replicaId] = replica;
        Take(assignment, -1);
        return replica;
    }

    // Takes (-1) or gives back (+1) the devices of a replica's assignment.
    private void Take(ReplicaAssignment assignment, int sign)
    {
        foreach (var id in assignment.AcceleratorIds)
        {
            _freeDevices[id] += sign * assignment.DevicesPerAccelerator;
        }
    }

    // The control plane's reconcile loop, for every deployment: the same DeploymentReconciler the deployment
    // grain applies, on the hardware left free, so replicas lost are replaced where there is room, a load
    // time before a new replica serves, and graceful retirement when the load falls.
    private void Reconcile()
    {
        var now = DateTimeOffset.UnixEpoch.AddSeconds(_now);
        foreach (var spec in _reconciled)
        {
            var replicas = _replicas.Values.Where(r => r.Routable.Deployment == spec.Name).Select(Reconciled).ToArray();
            var plan = _reconciler.Plan(spec, replicas, _hardware, Capacity(), now);
            foreach (var removed in plan.Remove)
            {
                Unload(_replicas[removed.ReplicaId]);
            }

            AddReplicas(spec, plan.Added);
            foreach (var retired in plan.Retire)
            {
                var extra = _replicas[retired.ReplicaId];
                extra.Retiring = true;
                extra.Routable.Schedulable = false;
                _recorder.ReplicaRetired();
                if (_reconciler.IsRetired(Reconciled(extra), now))
                {
                    Unload(extra);
                }
            }
        }

        // Reconcile while requests are in the system or still to come. Not on events alone: the timeouts of
        // requests admitted long ago stay queued until their time, which may be far off.
        if (_arrivalsLeft > 0 || _turnsAhead > 0 || _recorder.InSystem > 0)
        {
            Schedule(_now + _options.ReconcileSeconds, new SimEvent(SimEventKind.Reconcile, null, null, null, null));
        }
    }

    private ReconciledReplica Reconciled(SimReplica replica) => new(
        replica.Routable.ReplicaId,
        replica.Retiring ? ReplicaState.Retiring : replica.Routable.Ready ? ReplicaState.Ready : ReplicaState.Loading,
        new ExistingReplica(replica.Assignment.Zone, replica.Assignment.AcceleratorIds.Select(id => _rackOf[id]).ToArray(), replica.Assignment.AcceleratorIds),
        replica.Routable.Slots,
        replica.Routable.ActiveStreams,
        replica.Routable.Performance,
        replica.Created);

    private AcceleratorCapacity[] Capacity() => _fleet.Accelerators
        .Select(a => new AcceleratorCapacity(a.Id, a.Sku, a.Zone, a.Rack, SimFleet.DevicesOf(a), _freeDevices[a.Id], _hardware[a.Id].Standing == AcceleratorStanding.Schedulable))
        .ToArray();

    private void AddReplicas(DeploymentSpec spec, IReadOnlyList<ReplicaAssignment> assignments)
    {
        foreach (var assignment in assignments)
        {
            var number = _replicaNumbers.GetValueOrDefault(spec.Name);
            _replicaNumbers[spec.Name] = number + 1;
            var replica = Register(spec, $"{spec.Name}-{number}", assignment, _fleet.Model.Predict(spec.Shape, assignment), ready: false);
            _recorder.ReplicaAdded();
            Schedule(_now + spec.Shape.WeightsBytes / _options.LoadBytesPerSecond, new SimEvent(SimEventKind.ReplicaLoaded, null, null, null, null, replica));
        }
    }

    private void Loaded(SimReplica replica)
    {
        if (replica.Retiring || !_replicas.ContainsKey(replica.Routable.ReplicaId))
        {
            return;
        }

        replica.Routable.Ready = true;
        _recorder.SlotsChanged(replica.Class, replica.Routable.Slots);
        Pump(replica.Routable.Deployment);
    }

    private void Unload(SimReplica replica)
    {
        if (!_replicas.Remove(replica.Routable.ReplicaId))
        {
            return;
        }

        if (replica.Routable.Ready)
        {
            _recorder.SlotsChanged(replica.Class, -replica.Routable.Slots);
        }

        _routes[replica.Routable.Deployment].Remove(replica.Routable.ReplicaId);
        Take(replica.Assignment, +1);
    }
}
