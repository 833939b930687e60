using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Routing;

/// <summary>Tunables of <see cref="PlacementEngine"/>. Bound from <c>ControlPlane:Placement</c>.</summary>
public sealed class PlacementEngineOptions
{
    /// <summary>Replicas sampled per hardware class per decision (power of d choices), 1..64. Default 2.</summary>
    public int SampledPerClass { get; set; } = 2;

    /// <summary>Ranked alternatives kept for retries when a reservation loses a race. Default 3.</summary>
    public int Alternatives { get; set; } = 3;

    /// <summary>Retry hint when every replica is full. Default 1 s.</summary>
    public TimeSpan FullRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Retry hint when no replica is ready (loading, or hardware missing). Default 5 s.</summary>
    public TimeSpan NotReadyRetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Filter -> score -> pick (DESIGN.md §5). Samples a few replicas per hardware class plus the session's
/// sticky replica, so a decision costs the same on 1k or 100k accelerators; only when no sample passes
/// does it examine every replica, so free capacity is never missed. Not thread-safe: one engine per
/// thread or grain activation (it keeps scratch buffers to stay allocation-light).
/// </summary>
public sealed class PlacementEngine
{
    private static readonly HardwareClass[] InteractiveOrder = [HardwareClass.WaferScale, HardwareClass.Gpu];
    private static readonly HardwareClass[] LongHorizonOrder = [HardwareClass.Gpu, HardwareClass.WaferScale];

    private readonly PlacementPipeline _pipeline;
    private readonly PlacementEngineOptions _options;
    private readonly Random _random;
    private readonly RankedCandidate[] _top;
    private readonly RowAddress[] _topRows;
    private readonly RowAddress[] _seen;
    private int _topCount;
    private int _seenCount;

    /// <summary>Creates an engine; <paramref name="random"/> drives sampling (seed it for reproducible runs).</summary>
    public PlacementEngine(PlacementPipeline pipeline, PlacementEngineOptions options, Random random)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _random = random ?? throw new ArgumentNullException(nameof(random));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SampledPerClass, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.SampledPerClass, 64); // samples live on the stack
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Alternatives, 1);
        _top = new RankedCandidate[options.Alternatives];
        _topRows = new RowAddress[options.Alternatives];
        _seen = new RowAddress[2 * options.SampledPerClass + 1];
    }

    /// <summary>The pipeline in use.</summary>
    public PlacementPipeline Pipeline => _pipeline;

    /// <summary>Decides where <paramref name="request"/> goes among <paramref name="routes"/>. Reserves nothing.</summary>
    public PlacementDecision Decide(PlacementRequest request, DeploymentRoutes routes)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(routes);
        var spec = routes.Spec;

        // The sticky id's entry starts loading now; the work below hides its cache miss.
        var stickyHash = 0UL;
        if (request.StickyReplicaId is { } stickyId)
        {
            stickyHash = ReplicaIdIndex.HashOf(stickyId);
            routes.PrefetchSticky(stickyHash);
        }

        var (latencyClass, output) = LatencyClassResolver.Resolve(request, spec);
        var removed = new int[_pipeline.Filters.Length];
        _topCount = 0;
        _seenCount = 0;

        if (!spec.Entitles(request.Plan))
        {
            return Refuse(RejectionReason.NotEntitled, latencyClass, removed, 0, false, TimeSpan.Zero);
        }

        if ((long)request.PromptTokens + output > spec.ContextWindowTokens)
        {
            return Refuse(RejectionReason.ContextTooLong, latencyClass, removed, 0, false, TimeSpan.Zero);
        }

        if (routes.Count == 0)
        {
            return Refuse(RejectionReason.NoReplicas, latencyClass, removed, 0, false, _options.NotReadyRetryAfter);
        }

        var preferred = PreferredClass(spec, latencyClass);

        // Draw the preferred class's samples before looking the sticky replica up, so the samples' rows
        // load while the lookup walks the id index.
        var preferredTable = routes.Table(preferred);
        Span<int> samples = stackalloc int[_options.SampledPerClass];
        samples = samples[..Draw(preferredTable, samples)];
        var sticky = default(RowAddress);
        if (request.StickyReplicaId is not null)
        {
            routes.TryGetStickyRow(stickyHash, out sticky);
        }

        var stickyReplica = sticky.Table?.RowAt(sticky.Index).Replica;
        var context = new PlacementContext(request, spec, latencyClass, output, preferred, routes.WaferUtilization, stickyReplica);
        var considered = stickyReplica is null ? 0 : Consider(context, sticky.Table!, sticky.Index, removed);

        // The preferred class first; other classes only when it has no room (spillover), since the
        // pool-preference weight outranks what load or headroom could win back for them.
        foreach (var index in samples)
        {
            considered += Consider(context, preferredTable, index, removed);
        }

        foreach (var hardwareClass in spec.AllowedClasses)
        {
            if (_topCount > 0)
            {
                break;
            }

            if (hardwareClass != preferred)
            {
                considered += Sample(context, routes.Table(hardwareClass), removed);
            }
        }

        var scannedAll = false;
        if (_topCount == 0)
        {
            // Sampling found nothing: look at everything before saying no, so free capacity is never missed.
            scannedAll = true;
            considered += ScanAll(context, routes.Table(preferred), removed);
            foreach (var hardwareClass in spec.AllowedClasses)
            {
                if (hardwareClass != preferred && _topCount == 0)
                {
                    considered += ScanAll(context, routes.Table(hardwareClass), removed);
                }
            }
        }

        if (_topCount == 0)
        {
            var reason = ReasonFrom(removed);
            if (reason == RejectionReason.NoCapacity && latencyClass == LatencyClass.LongHorizon)
            {
                return new PlacementDecision(PlacementOutcome.Queued, RejectionReason.NoCapacity, latencyClass, [],
                    Explain(removed, considered, scannedAll), _options.FullRetryAfter);
            }

            var retry = reason is RejectionReason.NoReadyReplica ? _options.NotReadyRetryAfter : _options.FullRetryAfter;
            return Refuse(reason, latencyClass, removed, considered, scannedAll, retry);
        }

        var ranked = _top.AsSpan(0, _topCount).ToArray();
        var winnerScores = new double[_pipeline.Scorers.Length];
        ref readonly var winner = ref _topRows[0].Table.RowAt(_topRows[0].Index);
        for (var i = 0; i < winnerScores.Length; i++)
        {
            winnerScores[i] = _pipeline.Scorers[i].Score(context, winner, ranked[0].Prediction);
        }

        return new PlacementDecision(PlacementOutcome.Placed, RejectionReason.None, latencyClass, ranked,
            new PlacementExplanation(_pipeline.FilterNames, removed, _pipeline.ScorerNames, winnerScores, considered, scannedAll), TimeSpan.Zero);
    }

    /// <summary>The hardware class the latency class belongs on, among those the deployment allows.</summary>
    public static HardwareClass PreferredClass(DeploymentSpec spec, LatencyClass latencyClass)
    {
        foreach (var hardwareClass in latencyClass == LatencyClass.Interactive ? InteractiveOrder : LongHorizonOrder)
        {
            if (spec.Allows(hardwareClass))
            {
                return hardwareClass;
            }
        }

        return spec.AllowedClasses[0];
    }

    private int Sample(in PlacementContext context, ReplicaTable table, int[] removed)
    {
        Span<int> samples = stackalloc int[_options.SampledPerClass];
        var considered = 0;
        foreach (var index in samples[..Draw(table, samples)])
        {
            considered += Consider(context, table, index, removed);
        }

        return considered;
    }

    // Up to samples.Length distinct rows: every row of a small table, else a random start and random
    // offsets from it (distinct for two; close enough for a few). Each is prefetched as it is drawn, so
    // their cache misses overlap instead of queueing behind each candidate's arithmetic.
    private int Draw(ReplicaTable table, Span<int> samples)
    {
        var n = table.Count;
        var d = samples.Length;
        if (n <= d)
        {
            for (var i = 0; i < n; i++)
            {
                samples[i] = i;
            }

            return n;
        }

        var start = _random.Next(n);
        for (var k = 0; k < d; k++)
        {
            samples[k] = k == 0 ? start : (start + 1 + _random.Next(n - 1)) % n;
            table.Prefetch(samples[k]);
        }

        return d;
    }

    private int ScanAll(in PlacementContext context, ReplicaTable table, int[] removed)
    {
        var n = table.Count;
        if (n == 0)
        {
            return 0;
        }

        var considered = 0;
        var start = _random.Next(n);
        for (var k = 0; k < n && _topCount < _top.Length; k++)
        {
            considered += Consider(context, table, (start + k) % n, removed);
        }

        return considered;
    }

    // Reads only the candidate's row and its table's shared profile: the replica object itself is not
    // touched, so a candidate costs one small read however large the fleet.
    private int Consider(in PlacementContext context, ReplicaTable table, int index, int[] removed)
    {
        var address = new RowAddress(table, index);
        for (var i = 0; i < _seenCount; i++)
        {
            if (ReferenceEquals(_seen[i].Table, table) && _seen[i].Index == index)
            {
                return 0;
            }
        }

        if (_seenCount < _seen.Length)
        {
            _seen[_seenCount++] = address;
        }

        ref readonly var row = ref table.RowAt(index);
        var prediction = ReplicaPrediction.For(context, table.ProfileOf(row), row.ActiveStreams);
        var filters = _pipeline.Filters;
        for (var i = 0; i < filters.Length; i++)
        {
            if (!filters[i].Admits(context, row, prediction))
            {
                removed[i]++;
                return 1;
            }
        }

        var score = 0.0;
        foreach (var scorer in _pipeline.Scorers)
        {
            score += scorer.Weight * scorer.Score(context, row, prediction);
        }

        Insert(new RankedCandidate(row.Replica, score, prediction) { Row = address }, address);
        return 1;
    }

    // Keeps the best few, best first: insertion into a tiny sorted array.
    private void Insert(RankedCandidate candidate, RowAddress address)
    {
        var position = _topCount;
        while (position > 0 && _top[position - 1].Score < candidate.Score)
        {
            position--;
        }

        if (position >= _top.Length)
        {
            return;
        }

        var last = Math.Min(_topCount, _top.Length - 1);
        for (var i = last; i > position; i--)
        {
            _top[i] = _top[i - 1];
            _topRows[i] = _topRows[i - 1];
        }

        _top[position] = candidate;
        _topRows[position] = address;
        _topCount = Math.Min(_topCount + 1, _top.Length);
    }

    // Each filter names its own reason (PlacementFilter.Refusal); the one closest to success wins.
    private RejectionReason ReasonFrom(int[] removed)
    {
        var best = RejectionReason.NoReplicas;
        var rank = int.MaxValue;
        for (var i = 0; i < removed.Length; i++)
        {
            if (removed[i] == 0)
            {
                continue;
            }

            var (reason, precedence) = _pipeline.Filters[i].Refusal;
            if (precedence < rank)
            {
                (best, rank) = (reason, precedence);
            }
        }

        return best;
    }

    private PlacementDecision Refuse(RejectionReason reason, LatencyClass latencyClass, int[] removed, int considered, bool scannedAll, TimeSpan retryAfter) =>
        new(PlacementOutcome.Rejected, reason, latencyClass, [], Explain(removed, considered, scannedAll), retryAfter);

    private PlacementExplanation Explain(int[] removed, int considered, bool scannedAll) =>
        new(_pipeline.FilterNames, removed, _pipeline.ScorerNames, [], considered, scannedAll);
}

/// <summary>Where a candidate's row lives during one decision (rows do not move while the engine decides).</summary>
internal readonly record struct RowAddress(ReplicaTable Table, int Index);
