using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Fleet;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.FleetIndex;

/// <summary>Answers fleet list queries by asking every index shard in parallel and merging their pages.</summary>
public sealed class FleetIndexReader(IGrainFactory grains, IOptions<FleetOptions> options)
{
    /// <summary>The views of <paramref name="acceleratorIds"/>, by id; ids the index does not hold are left out.</summary>
    public async Task<IReadOnlyDictionary<string, AcceleratorView>> GetManyAsync(IEnumerable<string> acceleratorIds, CancellationToken cancellationToken)
    {
        var shards = options.Value.IndexShards;
        var lookups = acceleratorIds.Distinct(StringComparer.Ordinal)
            .GroupBy(id => FleetIndexShards.ShardOf(id, shards))
            .Select(g => grains.GetGrain<IFleetIndexShardGrain>(g.Key).GetManyAsync(g.ToArray()).WaitAsync(cancellationToken));
        var found = await Task.WhenAll(lookups);
        return found.SelectMany(f => f).ToDictionary(v => v.AcceleratorId, StringComparer.Ordinal);
    }

    /// <summary>One page of accelerators matching <paramref name="query"/>, ordered by id.</summary>
    public async Task<AcceleratorPage> QueryAsync(AcceleratorQuery query, CancellationToken cancellationToken)
    {
        var shards = options.Value.IndexShards;
        var pages = await Task.WhenAll(Enumerable.Range(0, shards)
            .Select(shard => grains.GetGrain<IFleetIndexShardGrain>(shard).QueryAsync(query).WaitAsync(cancellationToken)));

        var merged = pages.SelectMany(p => p.Accelerators)
            .OrderBy(v => v.AcceleratorId, StringComparer.Ordinal)
            .ToList();
        var hasMore = merged.Count > query.Limit || pages.Any(p => p.HasMore);
        return new AcceleratorPage(merged.Take(query.Limit).ToArray(), pages.Sum(p => p.TotalMatching), hasMore);
    }
}
