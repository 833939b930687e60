namespace ControlPlane.Placement.Routing.Scoring;

/// <summary>Prefers the hardware class the request's latency class belongs on (wafers for Interactive, GPUs for LongHorizon).</summary>
public sealed class PoolPreferenceScorer(double weight) : PlacementScorer(weight)
{
    /// <inheritdoc />
    public override string Name => "pool-preference";

    /// <inheritdoc />
    public override double Score(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) =>
        replica.Class == context.PreferredClass ? 1 : 0;
}
