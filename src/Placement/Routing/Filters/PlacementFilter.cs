namespace ControlPlane.Placement.Routing.Filters;

/// <summary>
/// A filter step: removes a candidate replica that cannot take the request. Filters are stateless and
/// named, so an explanation can say which one removed which candidates.
/// </summary>
public abstract class PlacementFilter
{
    /// <summary>The name explanations use, e.g. <c>free-slot</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Why a request is refused when this filter removed candidates, and how close to success that is (lower
    /// is closer). Of the filters that removed candidates, the closest reason is the answer: with one replica
    /// lost and the rest full the deployment is full (retry in a second), not unready (retry in five).
    /// Default: no ready replica, the farthest.
    /// </summary>
    public virtual FilterRefusal Refusal => new(RejectionReason.NoReadyReplica, Precedence: 4);

    /// <summary>Whether <paramref name="replica"/> may take the request.</summary>
    public abstract bool Admits(in PlacementContext context, in ReplicaRow replica, in ReplicaPrediction prediction);
}
