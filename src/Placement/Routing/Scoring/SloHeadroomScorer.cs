using ControlPlane.Placement.Deployments;

namespace ControlPlane.Placement.Routing.Scoring;

/// <summary>
/// Prefers candidates whose prediction beats the SLO by the widest margin: for Interactive requests the
/// TTFT headroom and the decode speed against the SLO's minimum; for LongHorizon jobs the completion
/// time against the SLO's bound.
/// </summary>
public sealed class SloHeadroomScorer(double weight) : PlacementScorer(weight)
{
    /// <inheritdoc />
    public override string Name => "slo-headroom";

    /// <inheritdoc />
    public override double Score(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction)
    {
        var slo = context.Deployment.Slo;
        if (context.LatencyClass == LatencyClass.LongHorizon)
        {
            return Unit(1 - prediction.CompletionSeconds / slo.LongHorizonCompletion.TotalSeconds);
        }

        var ttft = Unit(1 - prediction.TimeToFirstTokenSeconds / slo.TimeToFirstToken.TotalSeconds);
        var speed = slo.MinTokensPerSecond > 0 ? Unit(prediction.TokensPerSecond / (4 * slo.MinTokensPerSecond)) : 1;
        return 0.5 * ttft + 0.5 * speed;
    }
}
