namespace ControlPlane.Placement.Routing.Filters;

/// <summary>Removes replicas on cordoned, draining, drained or lost accelerators.</summary>
public sealed class SchedulableFilter : PlacementFilter
{
    /// <inheritdoc />
    public override string Name => "schedulable";

    /// <inheritdoc />
    public override bool Admits(in PlacementContext context, RoutableReplica replica, in ReplicaPrediction prediction) => replica.Schedulable;
}
