using System.Collections.Concurrent;
using ControlPlane.Grains.Routing;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Tenants;

/// <summary>
/// A silo's short-lived copy of tenants' budget statuses (<see cref="PlacementOptions.BudgetCacheTtl"/>),
/// so a placement does not ask the tenant's grain every time; placements are the hot path, limits are
/// per minute. A silo service, registered as a singleton.
/// </summary>
public sealed class TenantBudgetCache(IOptions<PlacementOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Tenant, string Plan), (BudgetStatus Status, DateTimeOffset FetchedAt)> _entries = new();

    /// <summary>The tenant's status: cached when fresh, else from its grain.</summary>
    public async ValueTask<BudgetStatus> GetAsync(IGrainFactory grains, string tenantId, string plan)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue((tenantId, plan), out var entry) && now - entry.FetchedAt < options.Value.BudgetCacheTtl)
        {
            return entry.Status;
        }

        var status = await grains.GetGrain<ITenantBudgetGrain>(tenantId).GetStatusAsync(plan);
        _entries[(tenantId, plan)] = (status, now);
        if (_entries.Count > 100_000)
        {
            Trim(now);
        }

        return status;
    }

    /// <summary>Drops the tenant's cached status (after charging it), so the next placement sees the charge.</summary>
    public void Forget(string tenantId, string plan) => _entries.TryRemove((tenantId, plan), out _);

    private void Trim(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (now - entry.FetchedAt >= options.Value.BudgetCacheTtl)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }
}
