namespace ControlPlane.Simulator.Results;

/// <summary>Latency percentiles in seconds.</summary>
internal sealed record Percentiles(double P50, double P90, double P99, double Mean)
{
    /// <summary>No samples.</summary>
    public static Percentiles None { get; } = new(0, 0, 0, 0);

    /// <summary>Percentiles of <paramref name="sorted"/> (ascending).</summary>
    public static Percentiles Of(double[] sorted) => sorted.Length == 0
        ? None
        : new(At(sorted, 0.50), At(sorted, 0.90), At(sorted, 0.99), sorted.Average());

    /// <summary>The nearest-rank <paramref name="q"/> quantile of <paramref name="sorted"/>.</summary>
    public static double At(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>What one latency class saw.</summary>
internal sealed record ClassResult(
    string LatencyClass,
    int Arrived,
    int Completed,
    int MetSlo,
    double SloAttainment,
    double GoodputPerSecond,
    Percentiles TimeToFirstToken,
    Percentiles TimePerOutputToken,
    Percentiles EndToEnd,
    Percentiles QueueWait,
    double[] TimeToFirstTokenCdf,
    double[] EndToEndCdf);

/// <summary>
/// One pool class over time; the means are over the workload's window. <c>Slots</c> are the pool's slots at
/// the start; utilisation counts the slots serving in each bucket, so replicas added by scaling count from
/// when they loaded.
/// </summary>
internal sealed record PoolResult(string HardwareClass, int Slots, double MeanUtilization, double MeanTokensPerSecond, double[] Utilization, double[] TokensPerSecond);

/// <summary>Agentic jobs as wholes: first turn's arrival to last turn's end.</summary>
internal sealed record JobResult(int Jobs, int Finished, Percentiles Duration);

/// <summary>Little's law on the run: time-average requests in the system L against arrival rate times mean time in system.</summary>
internal sealed record LittlesLaw(double MeanInSystem, double ArrivalRate, double MeanTimeInSystem)
{
    /// <summary>lambda times W.</summary>
    public double LambdaW => ArrivalRate * MeanTimeInSystem;
}

/// <summary>
/// Everything one policy's run produced. Goodput is SLO-meeting requests per second of the workload's
/// window; fleet utilisation (the "fleet load") is the share of all replicas' stream slots busy over it.
/// </summary>
internal sealed record RunResult(
    string Policy,
    double DurationSeconds,
    int Arrived,
    int Completed,
    int Refused,
    int TimedOut,
    int Lost,
    int QueuedAtEnd,
    IReadOnlyDictionary<string, int> RefusedByReason,
    double GoodputPerSecond,
    long PromptTokens,
    long OutputTokens,
    long PrefillTokensSaved,
    ClassResult Interactive,
    ClassResult LongHorizon,
    JobResult AgenticJobs,
    IReadOnlyList<PoolResult> Pools,
    double FleetUtilization,
    double BucketSeconds,
    LittlesLaw Little,
    IReadOnlyList<string> Faults,
    ScalingResult Scaling);

/// <summary>What the reconcile loop did: replicas added (to scale out on load, or to replace lost and drained ones) and retired (scaling in).</summary>
internal sealed record ScalingResult(int ReplicasAdded, int ReplicasRetired);
