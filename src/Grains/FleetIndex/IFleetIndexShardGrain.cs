using ControlPlane.Grains.Accelerators;
using Orleans.Concurrency;

namespace ControlPlane.Grains.FleetIndex;

/// <summary>
/// One shard of the fleet index: the latest view of every accelerator whose id hashes to it
/// (<see cref="FleetIndexShards"/>). Answers list queries without activating accelerator grains.
/// </summary>
public interface IFleetIndexShardGrain : IGrainWithIntegerKey
{
    /// <summary>Stores <paramref name="view"/> unless a newer view of the same accelerator is already held.</summary>
    [OneWay]
    Task UpsertAsync(AcceleratorView view);

    /// <summary>The views of <paramref name="acceleratorIds"/> this shard holds (unknown ids are left out).</summary>
    [ReadOnly]
    Task<IReadOnlyList<AcceleratorView>> GetManyAsync(IReadOnlyList<string> acceleratorIds);

    /// <summary>The shard's page for <paramref name="query"/>.</summary>
    [ReadOnly]
    Task<AcceleratorPage> QueryAsync(AcceleratorQuery query);
}
