using ControlPlane.Grains.Accelerators;

namespace ControlPlane.Grains.FleetIndex;

/// <summary>
/// In-memory shard of the fleet index. It is rebuilt from the accelerators' periodic republishing, so
/// it needs no storage; it stays active because a fresh activation would answer with an empty shard.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
public sealed class FleetIndexShardGrain : Grain, IFleetIndexShardGrain
{
    private readonly SortedDictionary<string, AcceleratorView> _views = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task UpsertAsync(AcceleratorView view)
    {
        // One-way messages may arrive out of order; keep the newest observation.
        if (!_views.TryGetValue(view.AcceleratorId, out var held) || held.ObservedAt <= view.ObservedAt)
        {
            _views[view.AcceleratorId] = view;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AcceleratorView>> GetManyAsync(IReadOnlyList<string> acceleratorIds)
    {
        var found = new List<AcceleratorView>(acceleratorIds.Count);
        foreach (var id in acceleratorIds)
        {
            if (_views.TryGetValue(id, out var view))
            {
                found.Add(view);
            }
        }

        return Task.FromResult<IReadOnlyList<AcceleratorView>>(found);
    }

    /// <inheritdoc />
    public Task<AcceleratorPage> QueryAsync(AcceleratorQuery query)
    {
        var page = new List<AcceleratorView>(Math.Min(query.Limit, 256));
        var total = 0;
        var hasMore = false;
        foreach (var (id, view) in _views)
        {
            if (!query.Matches(view))
            {
                continue;
            }

            total++;
            if (query.AfterAcceleratorId is { } after && string.CompareOrdinal(id, after) <= 0)
            {
                continue;
            }

            if (page.Count < query.Limit)
            {
                page.Add(view);
            }
            else
            {
                hasMore = true;
            }
        }

        return Task.FromResult(new AcceleratorPage(page, total, hasMore));
    }
}
