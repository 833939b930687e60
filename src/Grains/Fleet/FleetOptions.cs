namespace ControlPlane.Grains.Fleet;

/// <summary>How the fleet tracks liveness. Bound from the <c>ControlPlane:Fleet</c> configuration section.</summary>
public sealed class FleetOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Fleet";

    /// <summary>How often agents are asked to send telemetry. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an accelerator stays Active without a heartbeat before it is marked Lost. Must be longer
    /// than <see cref="HeartbeatInterval"/> so one late heartbeat does not flap the state. Default 15 s.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often each accelerator checks its lease. Default 1 s; bounds how late Lost is noticed.</summary>
    public TimeSpan LeaseCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Least time between two telemetry publications of one accelerator to the fleet index, so the
    /// index is not written on every heartbeat. State changes are published at once. Default 1 s.
    /// </summary>
    public TimeSpan IndexPublishInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Least time between two telemetry snapshots applied to one accelerator's grain. Reports that arrive
    /// faster are accepted and folded into the latest (telemetry is a snapshot), so a node flooding its
    /// stream cannot flood its grain. Must be well under <see cref="LeaseDuration"/>. Default 100 ms.
    /// </summary>
    public TimeSpan TelemetryApplyInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How many grains the fleet index is split across. Lists fan out to all of them; writes go to one.
    /// Must not change while a cluster runs. Default 8.
    /// </summary>
    public int IndexShards { get; set; } = 8;

    /// <summary>
    /// How long any command to a node's agent (load, unload, drain, stop, resume) waits for its acknowledgement;
    /// a replica still loading is asked again after it. Default 10 s.
    /// </summary>
    public TimeSpan AgentCommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a new drain waits for the rest of its request's accelerators to be marked Draining before
    /// its work starts moving anyway (normally the operator API says so sooner). Default 10 s.
    /// </summary>
    public TimeSpan DrainStartGrace { get; set; } = TimeSpan.FromSeconds(10);
}
