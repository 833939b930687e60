using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Routing.Scoring;

/// <summary>
/// Charges a long-horizon job for holding scarce wafer capacity: a wafer slot held for minutes is a slot
/// no interactive turn can use. The charge grows with how full the deployment's wafer replicas are.
/// </summary>
public sealed class OpportunityCostScorer(double weight) : PlacementScorer(weight)
{
    /// <inheritdoc />
    public override string Name => "opportunity-cost";

    /// <inheritdoc />
    public override double Score(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction) =>
        context.LatencyClass == LatencyClass.LongHorizon && replica.Class == HardwareClass.WaferScale
            ? 0.5 * (1 - Unit(context.WaferUtilization))
            : 1;
}
