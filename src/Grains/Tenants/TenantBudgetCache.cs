using System.Collections.Concurrent;
using ControlPlane.Placement.Hardware;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Tenants;

/// <summary>
/// A silo's short-lived copy of tenants' budget statuses (<see cref="LimitOptions.BudgetCacheTtl"/>),
/// so a placement does not ask the tenant's grain every time; placements are the hot path, limits are
/// per minute. A silo service, registered as a singleton.
/// </summary>
public sealed class TenantBudgetCache(IOptions<LimitOptions> options, TimeProvider time)
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

    /// <summary>
    /// Applies a charge made on this silo to the cached status, so the next placement here sees it without
    /// asking the grain. Returns false when the cache cannot stand in for the grain: it holds no status for the
    /// tenant, or the charge used a pool up (the status is then dropped, since only the grain knows when the
    /// pool refills, the retry-after a refusal must carry). The caller then sends the charge at once.
    /// </summary>
    public bool Charged(string tenantId, string plan, HardwareClass hardwareClass, long tokens)
    {
        var key = (tenantId, plan);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        if (entry.Status.Allowance.AfterCharge(hardwareClass, tokens) is not { } after)
        {
            _entries.TryRemove(key, out _);
            return false;
        }

        var charged = BudgetStatus.From(after);
        _entries.TryUpdate(key, (charged, entry.FetchedAt), entry); // a concurrent refresh wins: it is newer
        return true;
    }

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
