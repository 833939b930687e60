using ControlPlane.Placement.Limits;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Grains.Routing;

/// <summary>How placement runs in the cluster. Bound from the <c>ControlPlane:Placement</c> configuration section.</summary>
public sealed class PlacementOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Placement";

    /// <summary>
    /// How long a placement holds its slot without Complete or Renew. A gateway that dies leaks nothing
    /// for longer than this. Default 2 minutes; long-horizon gateways renew.
    /// </summary>
    public TimeSpan PlacementLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How stale a router's copy of replicas and their load may get before it refreshes. Default 500 ms.</summary>
    public TimeSpan RouteRefreshInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Least time between two reads of replica load straight from the accelerators, which a router does
    /// before it refuses a placement for want of free slots (its copy lags completions). Default 100 ms.
    /// </summary>
    public TimeSpan LiveLoadInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often each deployment compares its replicas with what it wants. Default 2 s.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a replica may stay loading (from its first load command, or from when its agent started
    /// loading it again) before it is marked failed, reported, and replaced on other hardware where there
    /// is room. Covers agents that never acknowledge the load or never report the weights loaded; set it
    /// above the slowest real weight load (a 405B model from local NVMe takes minutes). Default 15 minutes.
    /// </summary>
    public TimeSpan ReplicaLoadTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Reservation attempts per placement when the router's view proves stale. Default 4.</summary>
    public int ReservationAttempts { get; set; } = 4;

    /// <summary>
    /// How long a queued long-horizon job waits for a slot before it is refused. Must stay under the
    /// cluster's 30 s grain call timeout, since the Place call waits with it. Default 20 s.
    /// </summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(20);

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

    /// <summary>
    /// Most time a session's usage and history wait in memory before they are written to storage
    /// (ownership and model switches are written at once). Default 5 s.
    /// </summary>
    public TimeSpan SessionFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A session grain idle this long (no Place, Complete or Renew) is deactivated, its state saved, and its
    /// memory freed; its next turn activates it again from storage. Longer than <see cref="PlacementLease"/>,
    /// so a session holding a live placement is never collected (a live placement is renewed or completed
    /// within its lease). Default 10 minutes.
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A deployment whose max_replicas is above its desired count gets one more replica (where hardware is
    /// free) when this share of its serving replicas' slots is reserved. For an interactive deployment a
    /// replica's slots count only the streams that still decode at its SLO's speed. 0..1, default 0.8.
    /// </summary>
    public double ScaleOutUtilization { get; set; } = 0.8;

    /// <summary>
    /// A deployment above its desired count drops a replica when the rest would have under this share of
    /// their slots reserved. Below <see cref="ScaleOutUtilization"/>, default 0.4.
    /// </summary>
    public double ScaleInUtilization { get; set; } = 0.4;

    /// <summary>Scorer weights of the placement pipeline.</summary>
    public ScoreWeights Weights { get; set; } = new();

    /// <summary>Engine sampling and retry hints.</summary>
    public PlacementEngineOptions Engine { get; set; } = new();

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
}
