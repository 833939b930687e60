using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Grains.Routing;

/// <summary>One filter's count in an explanation.</summary>
[GenerateSerializer, Immutable, Alias("cp.FilterCount")]
public sealed record FilterCount([property: Id(0)] string Filter, [property: Id(1)] int Removed);

/// <summary>One scorer's term of the winner in an explanation.</summary>
[GenerateSerializer, Immutable, Alias("cp.ScoreTerm")]
public sealed record ScoreTerm([property: Id(0)] string Scorer, [property: Id(1)] double Score, [property: Id(2)] double Weight);

/// <summary>Why a decision came out as it did, in serialisable form.</summary>
[GenerateSerializer, Immutable, Alias("cp.DecisionExplanation")]
public sealed record DecisionExplanation(
    [property: Id(0)] int Considered,
    [property: Id(1)] bool ScannedAll,
    [property: Id(2)] IReadOnlyList<FilterCount> Removed,
    [property: Id(3)] IReadOnlyList<ScoreTerm> WinnerScores,
    [property: Id(4)] int ReservationAttempts)
{
    /// <summary>An empty explanation (nothing was considered).</summary>
    public static DecisionExplanation None { get; } = new(0, false, [], [], 0);

    /// <summary>The serialisable form of <paramref name="explanation"/>.</summary>
    public static DecisionExplanation From(PlacementExplanation explanation, IReadOnlyList<double> weights, int attempts) => new(
        explanation.Considered,
        explanation.ScannedAll,
        explanation.FilterNames.Select((name, i) => new FilterCount(name, explanation.RemovedByFilter[i])).ToArray(),
        explanation.WinnerScores.Select((score, i) => new ScoreTerm(explanation.ScorerNames[i], score, weights[i])).ToArray(),
        attempts);
}

/// <summary>The result of placing one request: where, what to expect, and why.</summary>
[GenerateSerializer, Immutable, Alias("cp.PlacementResult")]
public sealed record PlacementResult(
    [property: Id(0)] PlacementOutcome Outcome,
    [property: Id(1)] RejectionReason Reason,
    [property: Id(2)] string Message,
    [property: Id(3)] LatencyClass LatencyClass,
    [property: Id(4)] string PlacementId,
    [property: Id(5)] string ReplicaId,
    [property: Id(6)] string AcceleratorId,
    [property: Id(7)] string Endpoint,
    [property: Id(8)] HardwareClass HardwareClass,
    [property: Id(9)] string Pool,
    [property: Id(10)] double PredictedTimeToFirstTokenSeconds,
    [property: Id(11)] double PredictedTokensPerSecond,
    [property: Id(12)] double PredictedCompletionSeconds,
    [property: Id(13)] DateTimeOffset LeaseExpiresAt,
    [property: Id(14)] TimeSpan RetryAfter,
    [property: Id(15)] DecisionExplanation Explanation,
    [property: Id(16)] bool DryRun = false)
{
    /// <summary>Whether a replica was chosen (and, unless a dry run, a slot reserved).</summary>
    public bool Placed => Outcome == PlacementOutcome.Placed;

    /// <summary>A result that is not a placement.</summary>
    public static PlacementResult NotPlaced(PlacementOutcome outcome, RejectionReason reason, string message, LatencyClass latencyClass, TimeSpan retryAfter, DecisionExplanation explanation) =>
        new(outcome, reason, message, latencyClass, "", "", "", "", 0, "", 0, 0, 0, default, retryAfter, explanation);
}
