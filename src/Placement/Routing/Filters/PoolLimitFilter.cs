namespace ControlPlane.Placement.Routing.Filters;

/// <summary>Removes replicas in a pool whose rate limit the tenant has used up (limits are kept per pool).</summary>
public sealed class PoolLimitFilter : PlacementFilter
{
    /// <inheritdoc />
    public override string Name => "pool-limit";

    /// <inheritdoc />
    public override FilterRefusal Refusal => new(RejectionReason.LimitExhausted, Precedence: 0);

    /// <inheritdoc />
    public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) =>
        !context.Request.ExhaustedPools.Contains(replica.Class);
}
