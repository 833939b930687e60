using Orleans.Concurrency;

namespace ControlPlane.Grains.Routing;

/// <summary>
/// Decides and reserves placements for one deployment (keyed by its name). A stateless worker: every
/// silo runs local activations with their own cached copy of the deployment's replicas, so decisions
/// never queue on one hot activation; the accelerator's reservation is the authority when copies are stale.
/// </summary>
public interface IPlacementRouterGrain : IGrainWithStringKey
{
    /// <summary>Places <paramref name="ask"/>: decides, then reserves a slot under <paramref name="placementId"/> unless <paramref name="dryRun"/>.</summary>
    Task<PlacementResult> PlaceAsync(PlacementAsk ask, string placementId, bool dryRun);
}
