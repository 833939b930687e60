using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Limits;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Tenants;

/// <summary>
/// Keeps a tenant's allowances (<see cref="TenantAllowance"/>, one per plan it is placed under). In memory:
/// a restarted grain starts its tenant with full buckets, which errs on the side of serving.
/// </summary>
public sealed class TenantBudgetGrain(IOptions<LimitOptions> options, TimeProvider time) : Grain, ITenantBudgetGrain
{
    private readonly Dictionary<string, TenantAllowance> _allowances = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<BudgetStatus> GetStatusAsync(string plan) =>
        Task.FromResult(BudgetStatus.From(Allowance(plan).Status(time.GetUtcNow())));

    /// <inheritdoc />
    public Task ChargeAsync(string plan, HardwareClass hardwareClass, long tokens)
    {
        Allowance(plan).Charge(hardwareClass, tokens, time.GetUtcNow());
        return Task.CompletedTask;
    }

    private TenantAllowance Allowance(string plan)
    {
        if (!_allowances.TryGetValue(plan, out var allowance))
        {
            // Plans are validated at the API boundary; an unknown one here means config changed under a session.
            var limits = options.Value.Plans.TryGetValue(plan, out var known) ? known : throw new ArgumentException($"unknown plan '{plan}'", nameof(plan));
            allowance = new TenantAllowance(limits, time.GetUtcNow());
            _allowances.Add(plan, allowance);
        }

        return allowance;
    }
}
