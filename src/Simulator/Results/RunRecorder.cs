using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Engine;
using ControlPlane.Simulator.Faults;
using ControlPlane.Simulator.Fleets;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Results;

/// <summary>Collects what happens during a run and turns it into a <see cref="RunResult"/>.</summary>
internal sealed class RunRecorder(string policy, double bucketSeconds, SimFleet fleet)
{
    private static readonly HardwareClass[] Classes = [HardwareClass.WaferScale, HardwareClass.Gpu];
    private readonly Dictionary<string, ServiceLevelObjective> _slos = fleet.Deployments.ToDictionary(d => d.Name, d => d.Slo, StringComparer.Ordinal);
    private readonly ClassSamples _interactive = new();
    private readonly ClassSamples _longHorizon = new();
    private readonly Dictionary<string, int> _refused = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Start, double End, int Turns)> _jobs = new(StringComparer.Ordinal);
    private readonly List<double>[] _busy = [[], []];
    private readonly List<double>[] _tokens = [[], []];

    // Slot-seconds that replicas added (or removed) by scaling add to (or take from) each bucket, beside
    // the starting fleet's slots.
    private readonly List<double>[] _scaledSlotSeconds = [[], []];
    private readonly int[] _scaledSlots = new int[2];
    private int _replicasAdded;
    private int _replicasRetired;
    private readonly List<string> _faults = [];
    private int _arrived;
    private int _completed;
    private int _timedOut;
    private int _lost;
    private int _queuedAtEnd;
    private int _inSystem;
    private double _areaInSystem;
    private double _timeInSystem;
    private long _promptTokens;
    private long _outputTokens;
    private long _saved;

    /// <summary>Time moves from <paramref name="from"/> to <paramref name="to"/>: integrates the requests in the system.</summary>
    public void Advance(double from, double to)
    {
        if (to > from)
        {
            _areaInSystem += _inSystem * (to - from);
            for (var i = 0; i < _scaledSlots.Length; i++)
            {
                if (_scaledSlots[i] != 0)
                {
                    Spread(_scaledSlotSeconds[i], from, to, _scaledSlots[i] * (to - from));
                }
            }
        }
    }

    /// <summary>Slots of <paramref name="hardwareClass"/> started (positive) or stopped (negative) serving.</summary>
    public void SlotsChanged(HardwareClass hardwareClass, int slots) => _scaledSlots[Array.IndexOf(Classes, hardwareClass)] += slots;

    /// <summary>Scaling placed a replica.</summary>
    public void ReplicaAdded() => _replicasAdded++;

    /// <summary>Scaling retired a replica.</summary>
    public void ReplicaRetired() => _replicasRetired++;

    /// <summary>Requests arrived and not yet finished, refused or lost.</summary>
    public int InSystem => _inSystem;

    /// <summary>A request arrived.</summary>
    public void Arrived(SimRequest request)
    {
        _arrived++;
        _inSystem++;
        Samples(request).Arrived++;
        if (request.Source == "agentic")
        {
            _jobs[request.SessionId] = _jobs.TryGetValue(request.SessionId, out var job) ? job : (request.ArrivalSeconds, 0, 0);
        }
    }

    /// <summary>A request got a slot.</summary>
    public void Started(Running running)
    {
        _saved += running.CachedTokens;
    }

    /// <summary>A request finished.</summary>
    public void Completed(Running running, double now)
    {
        var request = running.Request;
        _completed++;
        _inSystem--;
        _timeInSystem += now - request.ArrivalSeconds;
        _promptTokens += request.PromptTokens;
        _outputTokens += request.OutputTokens;
        var wait = running.StartedAt - running.QueuedAt;
        var ttft = running.StartedAt - request.ArrivalSeconds + running.FirstTokenSeconds;
        var tpot = request.OutputTokens > 1 ? running.DecodeSeconds / (request.OutputTokens - 1) : 0;
        var e2e = now - request.ArrivalSeconds;
        var slo = _slos[request.Deployment];
        var perToken = slo.MinTokensPerSecond > 0 ? 1 / slo.MinTokensPerSecond : double.MaxValue;
        var met = request.LatencyClass == LatencyClass.Interactive
            ? ttft <= slo.TimeToFirstToken.TotalSeconds && tpot <= perToken
            : ttft <= slo.TimeToFirstToken.TotalSeconds && tpot <= perToken && e2e <= slo.LongHorizonCompletion.TotalSeconds;
        var samples = Samples(request);
        samples.Add(ttft, tpot, e2e, wait, met);

        if (request.Source == "agentic" && _jobs.TryGetValue(request.SessionId, out var job))
        {
            _jobs[request.SessionId] = (job.Start, now, job.Turns + 1);
        }

        // Pool series: the slot is busy from admission to the end; tokens come out over the decode.
        var index = running.Replica.Class == HardwareClass.WaferScale ? 0 : 1;
        Spread(_busy[index], running.StartedAt, now, now - running.StartedAt);
        Spread(_tokens[index], running.StartedAt + running.FirstTokenSeconds, now, request.OutputTokens);
    }

    /// <summary>A request was refused (at once, or after waiting too long).</summary>
    public void Refused(SimRequest request, RejectionReason reason, double now, bool timedOut = false)
    {
        _inSystem--;
        _timeInSystem += now - request.ArrivalSeconds;
        var key = timedOut ? "queue_timeout" : Reason(reason);
        _refused[key] = _refused.GetValueOrDefault(key) + 1;
        _timedOut += timedOut ? 1 : 0;
        Samples(request).Refused++;
    }

    /// <summary>A running request's hardware was lost.</summary>
    public void Lost(Running running, double now)
    {
        _lost++;
        _inSystem--;
        _timeInSystem += now - running.Request.ArrivalSeconds;
        Samples(running.Request).Lost++;
    }

    /// <summary>A request still waited when the run ended (only when a queue never drained).</summary>
    public void QueuedAtEnd(SimRequest request)
    {
        _queuedAtEnd++;
    }

    /// <summary>A fault hit <paramref name="replicas"/> replicas.</summary>
    public void Fault(FaultSpec fault, int replicas, double now) => _faults.Add($"{fault} hit {replicas} replica(s) at {now:F0}s");

    /// <summary>The result, for a run that ended at <paramref name="end"/>; goodput counts over <paramref name="window"/>.</summary>
    public RunResult Finish(double end, double window)
    {
        var duration = Math.Max(end, 1e-9);
        var interactive = _interactive.Result("interactive", window);
        var longHorizon = _longHorizon.Result("long_horizon", window);
        var slots = Classes.Select(c => fleet.Replicas.Where(r => r.Assignment.Sku.Class == c).Sum(r => r.Assignment.StreamSlots)).ToArray();
        var buckets = (int)Math.Ceiling(duration / bucketSeconds);
        var pools = Classes.Select((c, i) =>
        {
            var busy = Padded(_busy[i], buckets);
            var tokens = Padded(_tokens[i], buckets);
            var length = busy.Length;
            var capacity = Padded(_scaledSlotSeconds[i], length).Take(length).Select(extra => slots[i] * bucketSeconds + extra).ToArray();
            var utilization = busy.Select((b, k) => capacity[k] <= 0 ? 0 : b / capacity[k]).ToArray();
            var rate = tokens.Select(t => t / bucketSeconds).ToArray();
            // Means over the workload's window (where it offers load), not the tail where the last jobs finish.
            var inWindow = (int)Math.Ceiling(window / bucketSeconds);
            var windowCapacity = capacity.Take(inWindow).Sum() + Math.Max(0, inWindow - length) * slots[i] * bucketSeconds;
            return new PoolResult(c == HardwareClass.WaferScale ? "wafer-scale" : "gpu", slots[i],
                windowCapacity <= 0 ? 0 : busy.Take(inWindow).Sum() / windowCapacity, tokens.Take(inWindow).Sum() / (inWindow * bucketSeconds), utilization, rate);
        }).ToArray();
        var jobs = _jobs.Values.ToArray();
        var finished = jobs.Where(j => j.End > 0).Select(j => j.End - j.Start).Order().ToArray();
        return new RunResult(policy, duration, _arrived, _completed, _refused.Values.Sum(), _timedOut, _lost, _queuedAtEnd,
            new SortedDictionary<string, int>(_refused, StringComparer.Ordinal),
            (interactive.MetSlo + longHorizon.MetSlo) / window,
            _promptTokens, _outputTokens, _saved, interactive, longHorizon,
            new JobResult(jobs.Length, finished.Length, Percentiles.Of(finished)),
            pools, pools.Sum(p => p.Slots) == 0 ? 0 : pools.Sum(p => p.MeanUtilization * p.Slots) / pools.Sum(p => p.Slots), bucketSeconds,
            new LittlesLaw(_areaInSystem / duration, _arrived / duration, _arrived == 0 ? 0 : _timeInSystem / _arrived),
            _faults,
            new ScalingResult(_replicasAdded, _replicasRetired));
    }

    private ClassSamples Samples(SimRequest request) => request.LatencyClass == LatencyClass.Interactive ? _interactive : _longHorizon;

    // Adds `amount` spread evenly over [from, to) into time buckets.
    private void Spread(List<double> series, double from, double to, double amount)
    {
        if (to <= from)
        {
            Add(series, (int)(from / bucketSeconds), amount);
            return;
        }

        var perSecond = amount / (to - from);
        var t = from;
        while (t < to)
        {
            var bucket = (int)(t / bucketSeconds);
            var end = Math.Min(to, (bucket + 1) * bucketSeconds);
            Add(series, bucket, perSecond * (end - t));
            t = end;
        }
    }

    private static void Add(List<double> series, int bucket, double amount)
    {
        while (series.Count <= bucket)
        {
            series.Add(0);
        }

        series[bucket] += amount;
    }

    private static double[] Padded(List<double> series, int buckets) => series.Concat(Enumerable.Repeat(0.0, Math.Max(0, buckets - series.Count))).Take(Math.Max(buckets, series.Count)).ToArray();

    private static string Reason(RejectionReason reason) => reason switch
    {
        RejectionReason.NoCapacity => "no_capacity",
        RejectionReason.NoReadyReplica => "no_ready_replica",
        RejectionReason.NoReplicas => "no_replicas",
        RejectionReason.ContextTooLong => "context_too_long",
        RejectionReason.SloUnattainable => "slo_unattainable",
        RejectionReason.UnknownDeployment => "unknown_deployment",
        _ => reason.ToString().ToLowerInvariant(),
    };

    private sealed class ClassSamples
    {
        private readonly List<double> _ttft = [];
        private readonly List<double> _tpot = [];
        private readonly List<double> _e2e = [];
        private readonly List<double> _wait = [];
        private int _met;

        public int Arrived { get; set; }

        public int Refused { get; set; }

        public int Lost { get; set; }

        public void Add(double ttft, double tpot, double e2e, double wait, bool met)
        {
            _ttft.Add(ttft);
            _tpot.Add(tpot);
            _e2e.Add(e2e);
            _wait.Add(wait);
            _met += met ? 1 : 0;
        }

        public ClassResult Result(string name, double duration)
        {
            var ttft = _ttft.Order().ToArray();
            var e2e = _e2e.Order().ToArray();
            return new ClassResult(name, Arrived, _ttft.Count, _met, Arrived == 0 ? 1 : (double)_met / Arrived, _met / duration,
                Percentiles.Of(ttft), Percentiles.Of(_tpot.Order().ToArray()), Percentiles.Of(e2e), Percentiles.Of(_wait.Order().ToArray()),
                Cdf(ttft), Cdf(e2e));
        }

        // 101 points: the 0th..100th percentiles, for CDF charts.
        private static double[] Cdf(double[] sorted) => sorted.Length == 0 ? [] : Enumerable.Range(0, 101).Select(p => Percentiles.At(sorted, Math.Max(p, 0.5) / 100.0)).ToArray();
    }
}
