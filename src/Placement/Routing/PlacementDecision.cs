using System.Globalization;
using System.Text;
using ControlPlane.Placement.Deployments;

namespace ControlPlane.Placement.Routing;

/// <summary>How a decision ended.</summary>
public enum PlacementOutcome
{
    /// <summary>A replica was chosen.</summary>
    Placed = 1,

    /// <summary>No capacity now; a long-horizon job waits its turn.</summary>
    Queued = 2,

    /// <summary>Refused; <see cref="PlacementDecision.Reason"/> says why.</summary>
    Rejected = 3,
}

/// <summary>Why a request was not placed.</summary>
public enum RejectionReason
{
    /// <summary>Not rejected.</summary>
    None = 0,

    /// <summary>The tenant's plan is not entitled to the deployment.</summary>
    NotEntitled,

    /// <summary>The prompt plus expected output exceeds what the deployment holds.</summary>
    ContextTooLong,

    /// <summary>The deployment has no replicas (none placed, or all gone).</summary>
    NoReplicas,

    /// <summary>No replica is healthy, schedulable and loaded.</summary>
    NoReadyReplica,

    /// <summary>Every eligible replica's slots are reserved.</summary>
    NoCapacity,

    /// <summary>The tenant's token allowance for the eligible pools is used up.</summary>
    LimitExhausted,

    /// <summary>Only replicas that would miss the SLO had room (spillover refused).</summary>
    SloUnattainable,

    /// <summary>No deployment has the requested name.</summary>
    UnknownDeployment,
}

/// <summary>A candidate that passed every filter, with its total score.</summary>
/// <param name="Replica">The replica.</param>
/// <param name="Score">Weighted sum of its scores.</param>
/// <param name="Prediction">What it is predicted to deliver.</param>
public readonly record struct RankedCandidate(RoutableReplica Replica, double Score, ReplicaPrediction Prediction)
{
    /// <summary>Where the replica's row was when the engine ranked it: lets a reservation skip the object.</summary>
    internal RowAddress Row { get; init; }
}

/// <summary>The result of one placement decision, with why.</summary>
public sealed class PlacementDecision
{
    internal PlacementDecision(
        PlacementOutcome outcome,
        RejectionReason reason,
        LatencyClass latencyClass,
        RankedCandidate[] ranked,
        PlacementExplanation explanation,
        TimeSpan retryAfter)
    {
        Outcome = outcome;
        Reason = reason;
        LatencyClass = latencyClass;
        Ranked = ranked;
        Explanation = explanation;
        RetryAfter = retryAfter;
    }

    /// <summary>Placed, queued or rejected.</summary>
    public PlacementOutcome Outcome { get; }

    /// <summary>Why it was not placed (None when placed).</summary>
    public RejectionReason Reason { get; }

    /// <summary>The latency class the request was treated as.</summary>
    public LatencyClass LatencyClass { get; }

    /// <summary>Admitted candidates, best first; the caller reserves the first and falls back to the next on a lost race.</summary>
    public IReadOnlyList<RankedCandidate> Ranked { get; }

    /// <summary>The best candidate, when placed.</summary>
    public RankedCandidate? Winner => Ranked.Count > 0 ? Ranked[0] : null;

    /// <summary>Which filters removed how many candidates, and the winner's scores.</summary>
    public PlacementExplanation Explanation { get; }

    /// <summary>When to try again after a rejection or while queued.</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>A one-line reason in an operator's words.</summary>
    public string Message => Outcome switch
    {
        PlacementOutcome.Placed => $"placed on {Ranked[0].Replica.ReplicaId} ({Ranked[0].Replica.Class}) as {LatencyClass}",
        PlacementOutcome.Queued => $"queued: every eligible replica is full; {Explanation.Summary()}",
        _ => Reason switch
        {
            RejectionReason.NotEntitled => "the tenant's plan is not entitled to this deployment",
            RejectionReason.ContextTooLong => "prompt plus expected output exceeds the deployment's context window",
            RejectionReason.NoReplicas => "the deployment has no replicas; scale it up or wait for hardware",
            RejectionReason.NoReadyReplica => $"no replica is healthy, schedulable and loaded; {Explanation.Summary()}",
            RejectionReason.NoCapacity => $"every eligible replica is full; {Explanation.Summary()}",
            RejectionReason.LimitExhausted => $"the tenant's token allowance is used up for every pool with room; {Explanation.Summary()}",
            RejectionReason.SloUnattainable => $"only replicas that would miss the SLO have room; {Explanation.Summary()}",
            _ => "rejected",
        },
    };
}

/// <summary>Why a decision came out as it did: candidates considered, removed per filter, winning scores.</summary>
public sealed class PlacementExplanation
{
    internal PlacementExplanation(string[] filterNames, int[] removed, string[] scorerNames, double[] winnerScores, int considered, bool scannedAll)
    {
        FilterNames = filterNames;
        RemovedByFilter = removed;
        ScorerNames = scorerNames;
        WinnerScores = winnerScores;
        Considered = considered;
        ScannedAll = scannedAll;
    }

    /// <summary>Filter names, indexed like <see cref="RemovedByFilter"/>.</summary>
    public IReadOnlyList<string> FilterNames { get; }

    /// <summary>Candidates each filter removed.</summary>
    public IReadOnlyList<int> RemovedByFilter { get; }

    /// <summary>Scorer names, indexed like <see cref="WinnerScores"/>.</summary>
    public IReadOnlyList<string> ScorerNames { get; }

    /// <summary>The winner's unweighted score per scorer (empty when nothing won).</summary>
    public IReadOnlyList<double> WinnerScores { get; }

    /// <summary>How many candidates were evaluated.</summary>
    public int Considered { get; }

    /// <summary>Whether sampling found nothing and every replica was examined.</summary>
    public bool ScannedAll { get; }

    /// <summary>E.g. "considered 4: free-slot removed 3, spillover-slo removed 1".</summary>
    public string Summary()
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"considered {Considered}{(ScannedAll ? " (all replicas)" : "")}");
        var first = true;
        for (var i = 0; i < FilterNames.Count; i++)
        {
            if (RemovedByFilter[i] > 0)
            {
                text.Append(first ? ": " : ", ").Append(FilterNames[i]).Append(" removed ").Append(RemovedByFilter[i]);
                first = false;
            }
        }

        return text.ToString();
    }
}
