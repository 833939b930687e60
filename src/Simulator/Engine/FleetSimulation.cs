using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Queueing;
using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Faults;
using ControlPlane.Simulator.Fleets;
using ControlPlane.Simulator.Policies;
using ControlPlane.Simulator.Results;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Engine;

/// <summary>Knobs of one simulated run.</summary>
internal sealed record SimulationOptions
{
    /// <summary>
    /// Longest an interactive request waits for a slot before it is refused; null (the default) means as long
    /// as an answer could still be on time: its deployment's time-to-first-token SLO less the fastest first
    /// token a replica could give it. This models the control plane's answer to an interactive request that
    /// finds no room (RESOURCE_EXHAUSTED with retry-after): its client retries while it still makes sense,
    /// and the oldest waiting request is retried first.
    /// </summary>
    public double? InteractiveMaxWaitSeconds { get; init; }

    /// <summary>Longest a long-horizon request waits for a slot before it is refused. Default 10 min.</summary>
    public double LongHorizonMaxWaitSeconds { get; init; } = 600;

    /// <summary>Width of the time buckets of the pool series. Default 60 s.</summary>
    public double BucketSeconds { get; init; } = 60;

    /// <summary>Faults to inject.</summary>
    public IReadOnlyList<FaultSpec> Faults { get; init; } = [];
}

/// <summary>
/// A discrete-event simulation in virtual time of one routing policy on one fleet: requests arrive, the
/// policy places them (the project policy through the real <see cref="PlacementEngine"/>), replicas serve
/// them at the speed the <see cref="Placement.Performance.PerformanceModel"/> predicts for the concurrency
/// at admission, prefixes a replica still holds skip their prefill, and requests that find no slot wait in
/// a per-deployment fair queue. Single-threaded and deterministic for a given seed.
/// </summary>
internal sealed class FleetSimulation
{
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
        foreach (var replica in fleet.Replicas)
        {
            var spec = fleet.Deployments.First(d => d.Name == replica.Deployment);
            var routable = new RoutableReplica(replica.ReplicaId, replica.Deployment, replica.Assignment.Sku.Class, _poolOf[replica.Assignment.AcceleratorIds[0]],
                replica.Assignment.AcceleratorIds, replica.Performance, replica.Assignment.StreamSlots, spec.ContextWindowTokens)
            { Ready = true, Endpoint = $"sim://{replica.ReplicaId}" };
            _routes[replica.Deployment].Upsert(routable);
            var cacheBlocks = (int)Math.Min(int.MaxValue, (long)replica.Assignment.StreamSlots * spec.ContextWindowTokens / SimRequest.BlockTokens);
            _replicas[replica.ReplicaId] = new SimReplica(routable, new PrefixCache(cacheBlocks));
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
        }

        foreach (var fault in _options.Faults)
        {
            Schedule(fault.AtSeconds, new SimEvent(SimEventKind.Fault, null, null, null, fault));
        }

        _nextRequestId = arrivals.Count == 0 ? 0 : arrivals.Max(a => a.Id) + 1;
        var next = 0;
        while (true)
        {
            var hasEvent = _events.TryPeek(out _, out var key);
            if (next < arrivals.Count && (!hasEvent || arrivals[next].ArrivalSeconds <= key.Item1))
            {
                Advance(arrivals[next].ArrivalSeconds);
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
                    var (job, turn) = _jobs[e.JobId!];
                    Arrive(job.Turn(_nextRequestId++, turn, _now));
                    break;
                case SimEventKind.Fault:
                    Inject(e.Fault!);
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
        NextTurnOf(running.Request);
        Pump(running.Request.Deployment);
    }

    private void NextTurnOf(SimRequest request)
    {
        if (request.Source == "agentic" && _jobs.TryGetValue(request.SessionId, out var state) && state.Turn + 1 < state.Job.Turns)
        {
            _jobs[request.SessionId] = (state.Job, state.Turn + 1);
            Schedule(_now + state.Job.ToolSecondsAfter(state.Turn), new SimEvent(SimEventKind.JobTurn, null, null, request.SessionId, null));
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
        }

        _recorder.Fault(fault, hit.Length, _now);
        foreach (var deployment in hit.Select(r => r.Routable.Deployment).Distinct())
        {
            Pump(deployment);
        }
    }
}

/// <summary>A replica in the run: the router's view of it, its prefix cache and what runs on it.</summary>
internal sealed class SimReplica(RoutableReplica routable, PrefixCache cache)
{
    /// <summary>The replica as routers see it (slots, load, readiness).</summary>
    public RoutableReplica Routable { get; } = routable;

    /// <summary>KV blocks it still holds.</summary>
    public PrefixCache Cache { get; } = cache;

    /// <summary>Requests running on it.</summary>
    public HashSet<Running> InFlight { get; } = [];

    /// <summary>Its hardware class.</summary>
    public HardwareClass Class => Routable.Class;
}

/// <summary>A request running on a replica, and the times the model gave it at admission (identity, not value, equality).</summary>
internal sealed class Running(SimRequest request, SimReplica replica, double queuedAt, double startedAt, double firstTokenSeconds, double decodeSeconds, int cachedTokens)
{
    /// <summary>The request.</summary>
    public SimRequest Request { get; } = request;

    /// <summary>Where it runs.</summary>
    public SimReplica Replica { get; } = replica;

    /// <summary>When it arrived at the queue (its arrival when it never waited).</summary>
    public double QueuedAt { get; } = queuedAt;

    /// <summary>When it got its slot.</summary>
    public double StartedAt { get; } = startedAt;

    /// <summary>Prefill and first token, from admission.</summary>
    public double FirstTokenSeconds { get; } = firstTokenSeconds;

    /// <summary>The rest of the decode.</summary>
    public double DecodeSeconds { get; } = decodeSeconds;

    /// <summary>Prompt tokens whose KV the replica still held.</summary>
    public int CachedTokens { get; } = cachedTokens;

    /// <summary>Its hardware failed under it.</summary>
    public bool Lost { get; set; }
}

/// <summary>A request waiting for a slot.</summary>
internal sealed class Pending(SimRequest request, double queuedAt)
{
    /// <summary>The request.</summary>
    public SimRequest Request { get; } = request;

    /// <summary>When it started waiting.</summary>
    public double QueuedAt { get; } = queuedAt;

    /// <summary>Admitted or timed out: no longer waiting.</summary>
    public bool Done { get; set; }
}

/// <summary>Kinds of scheduled events.</summary>
internal enum SimEventKind
{
    /// <summary>A running request finishes.</summary>
    Completion,

    /// <summary>A queued request has waited as long as it may.</summary>
    QueueTimeout,

    /// <summary>An agentic job's next turn arrives.</summary>
    JobTurn,

    /// <summary>A fault hits.</summary>
    Fault,
}

/// <summary>A scheduled event.</summary>
internal sealed record SimEvent(SimEventKind Kind, Running? Running, Pending? Pending, string? JobId, FaultSpec? Fault);
