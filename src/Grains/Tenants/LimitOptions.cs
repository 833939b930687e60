using ControlPlane.Placement.Limits;

namespace ControlPlane.Grains.Tenants;

/// <summary>
/// Tenants' token limits per plan, and how a silo meters them. Bound from the <c>ControlPlane:Limits</c>
/// configuration section.
/// </summary>
public sealed class LimitOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Limits";

    /// <summary>
    /// Rate limits per plan, by plan name. A tenant on a plan not listed here is refused. Defaults:
    /// <c>free</c>, <c>pro</c> and <c>enterprise</c>.
    /// </summary>
    public Dictionary<string, PlanLimits> Plans { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["free"] = new PlanLimits { WaferTokensPerMinute = 20_000, GpuTokensPerMinute = 50_000 },
        ["pro"] = new PlanLimits { WaferTokensPerMinute = 2_000_000, GpuTokensPerMinute = 2_000_000 },
        ["enterprise"] = new PlanLimits { WaferTokensPerMinute = 50_000_000, GpuTokensPerMinute = 50_000_000 },
    };

    /// <summary>
    /// How long a silo reuses a tenant's budget status before asking the tenant's grain again. Limits are
    /// enforced this late at most (usage charged on other silos shows up within it); a completion on this
    /// silo is applied to it at once. Default 100 ms.
    /// </summary>
    public TimeSpan BudgetCacheTtl { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Most time the token charges of this silo's completions wait, summed per tenant, plan and pool, before
    /// they are sent to the tenants' grains (a charge that uses a pool up is sent at once). Other silos see
    /// usage this much later at most; a silo that crashes loses at most this much metering, which errs on
    /// the side of serving. Default 100 ms.
    /// </summary>
    public TimeSpan ChargeFlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}
