using ControlPlane.Placement.Routing.Filters;
using ControlPlane.Placement.Routing.Scoring;

namespace ControlPlane.Placement.Routing;

/// <summary>The filter and score steps of a placement decision, in order (Kubernetes scheduling framework shape).</summary>
public sealed class PlacementPipeline
{
    /// <summary>Builds a pipeline; names must be unique within each list.</summary>
    public PlacementPipeline(IReadOnlyList<PlacementFilter> filters, IReadOnlyList<PlacementScorer> scorers)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(scorers);
        if (filters.Select(f => f.Name).Distinct().Count() != filters.Count || scorers.Select(s => s.Name).Distinct().Count() != scorers.Count)
        {
            throw new ArgumentException("filter and scorer names must be unique within a pipeline");
        }

        Filters = filters.ToArray();
        Scorers = scorers.ToArray();
        FilterNames = Filters.Select(f => f.Name).ToArray();
        ScorerNames = Scorers.Select(s => s.Name).ToArray();
        ScorerWeights = Scorers.Select(s => s.Weight).ToArray();
    }

    /// <summary>The filters, cheapest first.</summary>
    public PlacementFilter[] Filters { get; }

    /// <summary>The scorers.</summary>
    public PlacementScorer[] Scorers { get; }

    /// <summary>Filter names, indexed like <see cref="Filters"/>.</summary>
    public string[] FilterNames { get; }

    /// <summary>Scorer names, indexed like <see cref="Scorers"/>.</summary>
    public string[] ScorerNames { get; }

    /// <summary>Scorer weights, indexed like <see cref="Scorers"/>.</summary>
    public double[] ScorerWeights { get; }

    /// <summary>The project's policy with <paramref name="weights"/> (defaults when null).</summary>
    public static PlacementPipeline Default(ScoreWeights? weights = null)
    {
        var w = weights ?? new ScoreWeights();
        return new PlacementPipeline(
            [
                new HealthyFilter(), new SchedulableFilter(), new ReplicaReadyFilter(), new PoolLimitFilter(),
                new ContextFitsFilter(), new FreeSlotFilter(), new SpilloverSloFilter(),
            ],
            [
                new SloHeadroomScorer(w.SloHeadroom), new LoadScorer(w.Load), new SessionAffinityScorer(w.SessionAffinity),
                new PoolPreferenceScorer(w.PoolPreference), new OpportunityCostScorer(w.OpportunityCost),
            ]);
    }
}

/// <summary>Weights of the default scorers. Bound from <c>ControlPlane:Placement:Weights</c>.</summary>
public sealed class ScoreWeights
{
    /// <summary>Weight of predicted TTFT/completion headroom against the SLO. Default 3.</summary>
    public double SloHeadroom { get; set; } = 3;

    /// <summary>Weight of replica load. Default 2.</summary>
    public double Load { get; set; } = 2;

    /// <summary>Weight of staying on the session's sticky replica. Default 3: enough to outweigh load, not a failing filter.</summary>
    public double SessionAffinity { get; set; } = 3;

    /// <summary>Weight of running on the latency class's preferred hardware. Default 4.</summary>
    public double PoolPreference { get; set; } = 4;

    /// <summary>Weight of keeping long jobs off scarce wafer capacity. Default 2.</summary>
    public double OpportunityCost { get; set; } = 2;
}
