namespace ControlPlane.Placement.Routing.Filters;

/// <summary>Removes replicas with every stream slot reserved, so placement never overcommits.</summary>
public sealed class FreeSlotFilter : PlacementFilter
{
    /// <inheritdoc />
    public override string Name => "free-slot";

    /// <inheritdoc />
    public override FilterRefusal Refusal => new(RejectionReason.NoCapacity, Precedence: 1);

    /// <inheritdoc />
    public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) => replica.FreeSlots > 0;
}
