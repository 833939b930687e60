namespace ControlPlane.Placement.Routing.Filters;

/// <summary>
/// Lets a request spill over to hardware other than its latency class's preferred class only when the
/// prediction there still meets the SLO (e.g. an Interactive turn on a GPU replica of the same model).
/// </summary>
public sealed class SpilloverSloFilter : PlacementFilter
{
    /// <inheritdoc />
    public override string Name => "spillover-slo";

    /// <inheritdoc />
    public override FilterRefusal Refusal => new(RejectionReason.SloUnattainable, Precedence: 2);

    /// <inheritdoc />
    public override bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) =>
        replica.Class == context.PreferredClass || prediction.MeetsSlo(context);
}
