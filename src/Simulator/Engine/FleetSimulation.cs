using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Queueing;
using ControlPlane.Placement.Replicas;
using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Faults;
using ControlPlane.Simulator.Fleets;
using ControlPlane.Simulator.Policies;
using ControlPlane.Simulator.Results;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Engine;

/// <summary>
/// A discrete-event simulation in virtual time of one routing policy on one fleet: requests arrive, the
/// policy places them (the project policy through the real <see cref="PlacementEngine"/>), replicas serve
/// them at the speed the <see cref="Placement.Performance.PerformanceModel"/> predicts for the concurrency
/// at admission, prefixes a replica still holds skip their prefill, and requests that find no slot wait in
/// a per-deployment fair queue. Single-threaded and deterministic for a given seed.
/// </summary>
internal sealed partial class FleetSimulation
{
    private static readonly AcceleratorCondition Serving = new(AcceleratorStanding.Schedulable, "Active");
    private static readonly AcceleratorCondition Draining = new(AcceleratorStanding.Unschedulable, "Draining");
    private static readonly AcceleratorCondition Lost = new(AcceleratorStanding.Gone, "Lost");

    private readonly SimFleet _fleet;
    private readonly IRoutingPolicy _policy;
    private readonly SimulationOptions _options;
    private readonly Dictionary<string, DeploymentRoutes> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimReplica> _replicas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FairQueue<Pending>> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sticky = new(StringComparer.Ordinal);
    private readonly PriorityQueue<SimEvent, (double, long)> _events = new();
    private readonly Dictionary<string, (AgenticJob Job, int Turn)> _jobs = new(StringComparer.Ordinal);
    private readonly RunRecorder _recorder;
    private readonly Dictionary<string, string> _poolOf;
    private readonly Dictionary<string, string> _rackOf;

    // The reconcile loop: devices free on each accelerator, what faults did to accelerators, replicas
    // numbered per deployment for their ids.
    private readonly Dictionary<string, int> _freeDevices;
    private readonly Dictionary<string, AcceleratorCondition> _hardware;
    private readonly Dictionary<string, int> _replicaNumbers = new(StringComparer.Ordinal);
    private readonly List<DeploymentSpec> _reconciled;
    private readonly DeploymentReconciler _reconciler;
    private int _arrivalsLeft;
    private int _turnsAhead;
    private long _replicasCreated;
    private long _sequence;
    private long _nextRequestId;
    private double _now;

    /// <summary>Prepares a run; <paramref name="routingSpec"/> may change what the router sees of a deployment (e.g. no spillover).</summary>
    public FleetSimulation(SimFleet fleet, IRoutingPolicy policy, SimulationOptions options, Func<DeploymentSpec, DeploymentSpec>? routingSpec = null)
    {
        _fleet = fleet;
        _policy = policy;
        _options = options;
        _recorder = new RunRecorder(policy.Name, options.BucketSeconds, fleet);
        foreach (var spec in fleet.Deployments)
        {
            _routes[spec.Name] = new DeploymentRoutes(routingSpec is null ? spec : routingSpec(spec));
            _queues[spec.Name] = new FairQueue<Pending>();
        }

        _poolOf = fleet.Accelerators.ToDictionary(a => a.Id, a => a.Pool, StringComparer.Ordinal);
        _rackOf = fleet.Accelerators.ToDictionary(a => a.Id, a => a.Rack, StringComparer.Ordinal);
        _freeDevices = fleet.Accelerators.ToDictionary(a => a.Id, SimFleet.DevicesOf, StringComparer.Ordinal);
        _hardware = fleet.Accelerators.ToDictionary(a => a.Id, _ => Serving, StringComparer.Ordinal);
        _reconciled = fleet.Deployments.Where(d => d.DesiredReplicas > 0).ToList();

        // Simulated loads never stall and requests never outlive a lease: neither timeout applies.
        _reconciler = new DeploymentReconciler(new ReplicaPlanner(fleet.Model),
            new ReconcileSettings(options.ScaleOutUtilization, options.ScaleInUtilization, TimeSpan.MaxValue, TimeSpan.MaxValue));
        foreach (var replica in fleet.Replicas)
        {
            Register(fleet.Deployments.First(d => d.Name == replica.Deployment), replica.ReplicaId, replica.Assignment, replica.Performance, ready: true);
            _replicaNumbers[replica.Deployment] = _replicaNumbers.GetValueOrDefault(replica.Deployment) + 1;
        }
    }

    /// <summary>Runs <paramref name="workload"/> to the end: every request finishes, fails or is refused.</summary>
    public RunResult Run(Workload workload)
    {
        var arrivals = workload.Arrivals;
        var jobs = workload.Jobs;
        foreach (var job in jobs)
        {
            _jobs[job.Id] = (job, 0);
            Schedule(job.StartSeconds, new SimEvent(SimEventKind.JobTurn, null, null, job.Id, null));
            _turnsAhead++;
        }

        foreach (var fault in _options.Faults)
        {
            Schedule(fault.AtSeconds, new SimEvent(SimEventKind.Fault, null, null, null, fault));
        }

        if (_reconciled.Count > 0)
        {
            Schedule(_options.ReconcileSeconds, new SimEvent(SimEventKind.Reconcile, null, null, null, null));
        }

        _nextRequestId = arrivals.Count == 0 ? 0 : arrivals.Max(a => a.Id) + 1;
        _arrivalsLeft = arrivals.Count;
        var next = 0;
        while (true)
        {
            var hasEvent = _events.TryPeek(out _, out var key);
            if (next < arrivals.Count && (!hasEvent || arrivals[next].ArrivalSeconds <= key.Item1))
            {
                Advance(arrivals[next].ArrivalSeconds);
                _arrivalsLeft = arrivals.Count - next - 1;
                Arrive(arrivals[next++]);
                continue;
            }

            if (!hasEvent)
            {
                break;
            }

            var e = _events.Dequeue();
            Advance(key.Item1);
            switch (e.Kind)
            {
                case SimEventKind.Completion:
                    Complete(e.Running!);
                    break;
                case SimEventKind.QueueTimeout:
                    TimeOut(e.Pending!);
                    break;
                case SimEventKind.JobTurn:
                    _turnsAhead--;
                    var (job, turn) = _jobs[e.JobId!];
                    Arrive(job.Turn(_nextRequestId++, turn, _now));
                    break;
                case SimEventKind.Fault:
                    Inject(e.Fault!);
                    break;
                case SimEventKind.Reconcile:
                    Reconcile();
                    break;
                case SimEventKind.ReplicaLoaded:
                    Loaded(e.Replica!);
                    break;
            }
        }

        foreach (var queue in _queues.Values)
        {
            while (queue.TryDequeue(out var pending))
            {
                if (!pending.Done)
                {
                    _recorder.QueuedAtEnd(pending.Request);
                }
            }
        }

        return _recorder.Finish(_now, workload.WindowSeconds);
    }

    private void Advance(double to)
    {
        _recorder.Advance(_now, to);
        _now = Math.Max(_now, to);
    }

    private void Schedule(double at, SimEvent e) => _events.Enqueue(e, (at, _sequence++));

    private void Arrive(SimRequest request)
    {
        _recorder.Arrived(request);
        if (!_routes.TryGetValue(request.Deployment, out var routes))
        {
            _recorder.Refused(request, RejectionReason.UnknownDeployment, _now);
            return;
        }

        var choice = _policy.Choose(request, _sticky.GetValueOrDefault(request.SessionId), routes);
        if (choice.Replica is { } replica)
        {
            Admit(request, _replicas[replica.ReplicaId], routes, _now);
        }
        else if (choice.Queue)
        {
            var maxWait = request.LatencyClass == LatencyClass.Interactive
                ? _options.InteractiveMaxWaitSeconds ?? routes.Spec.Slo.TimeToFirstToken.TotalSeconds - FastestFirstToken(request, routes)
                : _options.LongHorizonMaxWaitSeconds;
            if (maxWait <= 0)
            {
                _recorder.Refused(request, RejectionReason.NoCapacity, _now); // no answer could be on time any more
                return;
            }

            var pending = new Pending(request, _now);
            _queues[request.Deployment].Enqueue(request.TenantId, request.LatencyClass == LatencyClass.Interactive ? 1 : 0, pending);
            Schedule(_now + maxWait, new SimEvent(SimEventKind.QueueTimeout, null, pending, null, null));
        }
        else
        {
            _recorder.Refused(request, choice.Reason, _now);
        }
    }

    private static double FastestFirstToken(SimRequest request, DeploymentRoutes routes)
    {
        var fastest = double.MaxValue;
        foreach (var hardwareClass in routes.Spec.AllowedClasses)
        {
            foreach (var replica in routes.Replicas(hardwareClass))
            {
                fastest = Math.Min(fastest, replica.Performance.TimeToFirstTokenSeconds(request.PromptTokens, 1));
            }
        }

        return fastest == double.MaxValue ? 0 : fastest;
    }

    private void Admit(SimRequest request, SimReplica replica, DeploymentRoutes routes, double queuedSince)
    {
        routes.TryReserve(replica.Routable);
        var streams = replica.Routable.ActiveStreams;
        var performance = replica.Routable.Performance;
        var cachedTokens = Math.Min(request.PromptTokens, replica.Cache.LeadingHits(request.PrefixBlocks) * SimRequest.BlockTokens);
        var perStream = performance.TokensPerSecondPerStream(streams);
        var firstToken = performance.FirstTokenOverheadSeconds + (request.PromptTokens - cachedTokens) / performance.PrefillTokensPerSecond + 1 / perStream;
        var decode = Math.Max(0, request.OutputTokens - 1) / perStream;
        var running = new Running(request, replica, queuedSince, _now, firstToken, decode, cachedTokens);
        replica.InFlight.Add(running);
        _sticky[request.SessionId] = replica.Routable.ReplicaId;
        _recorder.Started(running);
        Schedule(_now + firstToken + decode, new SimEvent(SimEventKind.Completion, running, null, null, null));
    }

    private void Complete(Running running)
    {
        if (running.Lost)
        {
            return; // its hardware was lost; already counted
        }

        var replica = running.Replica;
        replica.InFlight.Remove(running);
        _routes[running.Request.Deployment].Release(replica.Routable);
        replica.Cache.Touch(running.Request.PrefixBlocks);
        _recorder.Completed(running, _now);
        if (replica.Retiring && replica.InFlight.Count == 0)
        {
            Unload(replica);
        }

        NextTurnOf(running.Request);
        Pump(running.Request.Deployment);
    }

    private void NextTurnOf(SimRequest request)
    {
        if (request.Source == "agentic" && _jobs.TryGetValue(request.SessionId, out var state) && state.Turn + 1 < state.Job.Turns)
        {
            _jobs[request.SessionId] = (state.Job, state.Turn + 1);
            Schedule(_now + state.Job.ToolSecondsAfter(state.Turn), new SimEvent(SimEventKind.JobTurn, null, null, request.SessionId, null));
            _turnsAhead++;
        }
    }

    // A slot freed: the deployment's queue, fairest first, takes it if the policy places the head there or elsewhere.
    private void Pump(string deployment)
    {
        var queue = _queues[deployment];
        var routes = _routes[deployment];
        while (queue.TryPeek(out var pending))
        {
            if (pending.Done)
            {
                queue.TryDequeue(out _);
                continue;
            }

            var choice = _policy.Choose(pending.Request, _sticky.GetValueOrDefault(pending.Request.SessionId), routes);
            if (choice.Replica is null)
            {
                if (!choice.Queue)
                {
                    queue.TryDequeue(out _);
                    pending.Done = true;
                    _recorder.Refused(pending.Request, choice.Reason, _now);
                    continue;
                }

                return;
            }

            queue.TryDequeue(out _);
            pending.Done = true;
            Admit(pending.Request, _replicas[choice.Replica.ReplicaId], routes, pending.QueuedAt);
        }
    }

    private void TimeOut(Pending pending)
    {
        if (pending.Done)
        {
            return;
        }

        pending.Done = true;
        _recorder.Refused(pending.Request, RejectionReason.NoCapacity, _now, timedOut: true);
    }

    private void Inject(FaultSpec fault)
    {
        var condition = fault.Kind == FaultKind.Lose ? Lost : Draining;
        foreach (var id in _poolOf.Keys.Where(id => fault.Matches(id, _poolOf[id])))
        {
            if (_hardware[id].Standing != AcceleratorStanding.Gone)
            {
                _hardware[id] = condition;
            }
        }

        var hit = _replicas.Values.Where(r => r.Routable.AcceleratorIds.Any(id => fault.Matches(id, _poolOf[id]))).ToArray();
        foreach (var replica in hit)
        {
            replica.Routable.Schedulable = false; // drained or lost: no new work
            if (fault.Kind != FaultKind.Lose)
            {
                continue;
            }

            replica.Routable.Ready = false;
            replica.Cache.Clear();
            foreach (var running in replica.InFlight.ToArray())
            {
                running.Lost = true;
                replica.InFlight.Remove(running);
                _routes[running.Request.Deployment].Release(replica.Routable);
                _recorder.Lost(running, _now);
                NextTurnOf(running.Request); // an agent's job goes on: its next turn is placed elsewhere
            }

            if (replica.Retiring)
            {
                Unload(replica); // it was only waiting for that work
            }
        }

        _recorder.Fault(fault, hit.Length, _now);
        foreach (var deployment in hit.Select(r => r.Routable.Deployment).Distinct())
        {
            Pump(deployment);
        }
    }
}
