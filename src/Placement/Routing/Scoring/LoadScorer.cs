namespace ControlPlane.Placement.Routing.Scoring;

/// <summary>Prefers lightly loaded replicas: free slots first, then KV cache room and a short queue.</summary>
public sealed class LoadScorer(double weight) : PlacementScorer(weight)
{
    /// <inheritdoc />
    public override string Name => "load";

    /// <inheritdoc />
    public override double Score(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction)
    {
        var slots = Math.Max(1, replica.Slots);
        var busy = 0.6 * replica.ActiveStreams / slots + 0.2 * replica.KvUtilization + 0.2 * Math.Min(1.0, (double)replica.QueueDepth / slots);
        return Unit(1 - busy);
    }
}
