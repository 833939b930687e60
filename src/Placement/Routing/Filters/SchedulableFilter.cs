namespace ControlPlane.Placement.Routing.Filters;

/// <summary>
/// Removes replicas on cordoned, draining, drained or lost accelerators, except that a replica held on a
/// draining accelerator (<see cref="RoutableReplica.HeldForSessions"/>) still takes its own sessions' turns.
/// </summary>
public sealed class SchedulableFilter : PlacementFilter
{
    /// <inheritdoc />
    public override string Name => "schedulable";

    /// <inheritdoc />
    public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) =>
        replica.Schedulable || (replica.HeldForSessions && ReferenceEquals(context.StickyReplica, replica.Replica));
}
