using ControlPlane.Placement.Routing;

namespace ControlPlane.Grains.Routing;

/// <summary>
/// How placements are made and held: leases, router refreshes, reservation retries, queueing, the engine and
/// its scorer weights. Bound from the <c>ControlPlane:Placement</c> configuration section.
/// </summary>
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

    /// <summary>Reservation attempts per placement when the router's view proves stale. Default 4.</summary>
    public int ReservationAttempts { get; set; } = 4;

    /// <summary>
    /// How long a queued long-horizon job waits for a slot before it is refused. Must stay under the
    /// cluster's 30 s grain call timeout, since the Place call waits with it. Default 20 s.
    /// </summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Scorer weights of the placement pipeline.</summary>
    public ScoreWeights Weights { get; set; } = new();

    /// <summary>Engine sampling and retry hints.</summary>
    public PlacementEngineOptions Engine { get; set; } = new();
}
