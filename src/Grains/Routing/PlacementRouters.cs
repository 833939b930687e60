using System.Collections.Concurrent;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Hosting;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Routing;

/// <summary>
/// This silo's <see cref="DeploymentRouter"/>s, one per deployment, made on first use. A silo service,
/// registered as a singleton; sessions and placement queues place through it.
/// </summary>
public sealed class PlacementRouters(
    IGrainFactory grains,
    StringKeyedGrainFactory<IAcceleratorGrain> accelerators,
    FleetIndexReader fleet,
    ReplicaPredictor predictor,
    IOptions<PlacementOptions> options,
    TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DeploymentRouter> _routers = new(StringComparer.Ordinal);

    /// <summary>
    /// Places <paramref name="ask"/> on its deployment through this silo's router for it. A router that
    /// finds its deployment gone is dropped again, so asking for unknown names leaves nothing behind.
    /// </summary>
    public async Task<PlacementResult> PlaceAsync(PlacementAsk ask, string placementId, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var router = _routers.GetOrAdd(ask.Deployment, name => new DeploymentRouter(name, grains, accelerators, fleet, predictor, options.Value, time));
        var result = await router.PlaceAsync(ask, placementId, dryRun);
        if (result.Reason == Placement.Routing.RejectionReason.UnknownDeployment && router.KnowsNoDeployment)
        {
            _routers.TryRemove(new KeyValuePair<string, DeploymentRouter>(ask.Deployment, router));
        }

        return result;
    }

    /// <summary>
    /// A placement on <paramref name="replicaId"/> of <paramref name="deployment"/> completed on this silo: this
    /// silo's copy frees the slot at once instead of when the fleet index next reports the replica's load.
    /// Without it a copy under fast place-and-complete churn marked replicas full that were not, and refused
    /// placements until its next refresh (found by a test of 12 callers on 22 slots).
    /// </summary>
    public void Released(string deployment, string replicaId)
    {
        if (_routers.TryGetValue(deployment, out var router))
        {
            router.Released(replicaId);
        }
    }

    /// <summary>Slots this silo's copy believes are reserved on a replica; null when it holds no router or replica by those names.</summary>
    internal int? ActiveStreamsOf(string deployment, string replicaId) =>
        _routers.TryGetValue(deployment, out var router) ? router.ActiveStreamsOf(replicaId) : null;

    /// <summary>How many deployments this silo holds a router for.</summary>
    public int Count => _routers.Count;
}
