namespace ControlPlane.Placement.Routing.Filters;

/// <summary>Removes replicas whose accelerators report unhealthy.</summary>
public sealed class HealthyFilter : PlacementFilter
{
    /// <inheritdoc />
    public override string Name => "healthy";

    /// <inheritdoc />
    public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) => replica.Healthy;
}
