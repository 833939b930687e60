namespace ControlPlane.Placement.Routing.Scoring;

/// <summary>
/// A score step: rates an admitted candidate from 0 (worst) to 1 (best). The pipeline sums
/// <see cref="Weight"/> × score over its scorers; explanations show each term of the winner.
/// </summary>
public abstract class PlacementScorer(double weight)
{
    /// <summary>The name explanations use, e.g. <c>slo-headroom</c>.</summary>
    public abstract string Name { get; }

    /// <summary>How much this score counts against the others.</summary>
    public double Weight { get; } = weight >= 0 ? weight : throw new ArgumentOutOfRangeException(nameof(weight), weight, "a weight must not be negative");

    /// <summary>The score of <paramref name="replica"/> for the request, 0..1.</summary>
    public abstract double Score(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction);

    /// <summary>Clamps to 0..1.</summary>
    protected static double Unit(double value) => value < 0 ? 0 : value > 1 ? 1 : value;
}
