namespace ControlPlane.Placement.Routing.Filters;

/// <summary>
/// A filter step: removes a candidate replica that cannot take the request. Filters are stateless and
/// named, so an explanation can say which one removed which candidates.
/// </summary>
public abstract class PlacementFilter
{
    /// <summary>The name explanations use, e.g. <c>free-slot</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Whether <paramref name="replica"/> may take the request.</summary>
    public abstract bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction);
}
