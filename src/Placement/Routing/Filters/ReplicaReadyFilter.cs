namespace ControlPlane.Placement.Routing.Filters;

/// <summary>Removes replicas whose agent has not reported the model loaded.</summary>
public sealed class ReplicaReadyFilter : PlacementFilter
{
    /// <inheritdoc />
    public override string Name => "replica-ready";

    /// <inheritdoc />
    public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) => replica.Ready;
}
