namespace ControlPlane.Placement.Routing.Scoring;

/// <summary>Prefers the session's sticky replica, where its KV/prefix cache already lives.</summary>
public sealed class SessionAffinityScorer(double weight) : PlacementScorer(weight)
{
    /// <inheritdoc />
    public override string Name => "session-affinity";

    /// <inheritdoc />
    public override double Score(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) =>
        ReferenceEquals(context.StickyReplica, replica.Replica) ? 1 : 0;
}
