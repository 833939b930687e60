namespace ControlPlane.Grains.Routing;

/// <summary>
/// Where long-horizon jobs of one deployment (keyed by its name) wait when every replica is full:
/// higher priority first, tenants in turn, each job placed as soon as a slot frees, or refused after
/// its wait runs out.
/// </summary>
public interface IPlacementQueueGrain : IGrainWithStringKey
{
    /// <summary>Waits in line until <paramref name="ask"/> is placed under <paramref name="placementId"/> or <paramref name="maxWait"/> passes.</summary>
    Task<PlacementResult> WaitForPlacementAsync(PlacementAsk ask, string placementId, TimeSpan maxWait);

    /// <summary>Jobs waiting now.</summary>
    Task<int> GetLengthAsync();
}
