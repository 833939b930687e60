namespace ControlPlane.Placement.Routing.Filters;

/// <summary>Removes replicas whose KV capacity per stream cannot hold the request's prompt plus expected output.</summary>
public sealed class ContextFitsFilter : PlacementFilter
{
    /// <inheritdoc />
    public override string Name => "context-fits";

    /// <inheritdoc />
    public override FilterRefusal Refusal => new(RejectionReason.ContextTooLong, Precedence: 3);

    /// <inheritdoc />
    public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) =>
        context.ContextTokens <= replica.MaxContextTokens;
}
