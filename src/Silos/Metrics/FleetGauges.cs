using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Silos.Contracts;

namespace ControlPlane.Silos.Metrics;

/// <summary>
/// Refreshes the fleet gauges from the fleet index just before each scrape, and removes the series of
/// pools or states that no longer exist so dashboards do not show stale values.
/// </summary>
public sealed class FleetGauges(ControlPlaneMetrics metrics, FleetIndexReader index)
{
    private const int PageSize = 1000;
    private readonly SemaphoreSlim _refreshing = new(1, 1); // two scrapes at once must not interleave their label bookkeeping
    private HashSet<string[]> _published = new(LabelsComparer.Instance);

    /// <summary>Hooks the refresh into the registry's collection.</summary>
    public void Attach() => metrics.Registry.AddBeforeCollectCallback(RefreshAsync);

    /// <summary>Recomputes every fleet gauge from the index.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            await RefreshLockedAsync(cancellationToken);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private async Task RefreshLockedAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<(AcceleratorState, string, string), int>();
        var pools = new Dictionary<(string Pool, string Class), (double Tokens, double Utilization, int Live)>();
        string? after = null;
        while (true)
        {
            var page = await index.QueryAsync(new AcceleratorQuery(null, null, null, null, after, PageSize), cancellationToken);
            foreach (var view in page.Accelerators)
            {
                var cls = AcceleratorRegistration.PoolClassName(view.Registration.HardwareClass);
                var key = (view.State, cls, view.Registration.Pool);
                counts[key] = counts.GetValueOrDefault(key) + 1;
                var pool = pools.GetValueOrDefault((view.Registration.Pool, cls));
                if (view.State is not (AcceleratorState.Lost or AcceleratorState.Decommissioned or AcceleratorState.Registering))
                {
                    pool = (pool.Tokens + view.Telemetry.TokensPerSecond, pool.Utilization + view.Telemetry.Utilization, pool.Live + 1);
                }

                pools[(view.Registration.Pool, cls)] = pool;
            }

            if (!page.HasMore || page.Accelerators.Count == 0)
            {
                break;
            }

            after = page.Accelerators[^1].AcceleratorId;
        }

        var published = new HashSet<string[]>(LabelsComparer.Instance);
        foreach (var ((state, cls, pool), count) in counts)
        {
            string[] labels = ["accelerators", ContractMapping.ToContract(state).ToString().ToLowerInvariant(), cls, pool];
            metrics.Accelerators.WithLabels(labels[1..]).Set(count);
            published.Add(labels);
        }

        foreach (var ((pool, cls), totals) in pools)
        {
            metrics.PoolTokensPerSecond.WithLabels(pool, cls).Set(totals.Tokens);
            metrics.PoolUtilization.WithLabels(pool, cls).Set(totals.Live == 0 ? 0 : totals.Utilization / totals.Live);
            published.Add(["pool", pool, cls]);
        }

        foreach (var stale in _published.Where(l => !published.Contains(l)))
        {
            if (stale[0] == "accelerators")
            {
                metrics.Accelerators.RemoveLabelled(stale[1..]);
            }
            else
            {
                metrics.PoolTokensPerSecond.RemoveLabelled(stale[1..]);
                metrics.PoolUtilization.RemoveLabelled(stale[1..]);
            }
        }

        _published = published;
    }

    private sealed class LabelsComparer : IEqualityComparer<string[]>
    {
        public static readonly LabelsComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] obj)
        {
            var hash = new HashCode();
            foreach (var s in obj)
            {
                hash.Add(s);
            }

            return hash.ToHashCode();
        }
    }
}
