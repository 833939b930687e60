using System.Collections.Frozen;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Routing;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;
using ControlPlane.Silos.PlacementApi;
using Prometheus;

namespace ControlPlane.Silos.Metrics;

/// <summary>
/// The silo's Prometheus instruments, on a registry of its own (not prometheus-net's static default) so
/// two silos in one process, as in tests, keep separate counts.
/// </summary>
public sealed class ControlPlaneMetrics
{
    /// <summary>Creates the instruments on <paramref name="registry"/>.</summary>
    public ControlPlaneMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Registrations = factory.CreateCounter("controlplane_agent_registrations_total",
            "Register calls by result (ok, or the gRPC status of the refusal).", "result");
        TelemetryReports = factory.CreateCounter("controlplane_telemetry_reports_total",
            "Telemetry reports accepted from agents' streams.");
        TelemetryApplied = factory.CreateCounter("controlplane_telemetry_applied_total",
            "Telemetry snapshots applied to accelerator grains; reports arriving faster than the apply interval are folded into the latest.");
        StreamErrors = factory.CreateCounter("controlplane_agent_stream_errors_total",
            "Agent streams the silo ended with an error (bad or unauthorised message, refused report), by gRPC status.", "code");
        OpenStreams = factory.CreateGauge("controlplane_agent_streams_open",
            "Agent streams currently open on this silo.");
        StreamsClosed = factory.CreateCounter("controlplane_agent_streams_closed_total",
            "Agent streams closed, by how: goodbye, dropped (no goodbye), error, or shutdown (the silo stopping).", "how");
        Commands = factory.CreateCounter("controlplane_node_commands_total",
            "Commands sent to nodes, by kind and result (ok, failed, timed_out, not_connected).", "kind", "result");
        Accelerators = factory.CreateGauge("controlplane_accelerators",
            "Accelerators in the fleet index by lifecycle state, hardware class and pool.", "state", "hardware_class", "pool");
        PoolTokensPerSecond = factory.CreateGauge("controlplane_pool_tokens_per_second",
            "Output tokens per second reported by the accelerators of each pool.", "pool", "hardware_class");
        PoolUtilization = factory.CreateGauge("controlplane_pool_utilization_ratio",
            "Mean compute utilisation (0..1) of the live accelerators of each pool.", "pool", "hardware_class");
        Placements = factory.CreateCounter("controlplane_placements_total",
            "Placement decisions by outcome (placed, queued, rejected), reason, latency class and hardware class.", "outcome", "reason", "latency_class", "hardware_class");
        CompletedTokens = factory.CreateCounter("controlplane_completed_tokens_total",
            "Tokens (prompt + output) reported by Complete, by hardware class.", "hardware_class");
        OperatorActions = factory.CreateCounter("controlplane_operator_actions_total",
            "Audited operator actions by action (drain, cordon, deployments.scale ...) and result (OK or the gRPC status).", "action", "result");
        RefusedOperatorAttempts = factory.CreateCounter("controlplane_refused_operator_attempts_total",
            "Operator actions refused before they ran (UNAUTHENTICATED, PERMISSION_DENIED), every one, including those past the audit log's rate limit.", "result");
        RefusedAttemptsNotRecorded = factory.CreateCounter("controlplane_refused_operator_attempts_unrecorded_total",
            "Refused operator attempts left out of the audit log by its per-caller rate limit (counted in the next entry recorded for the caller).");
    }

    /// <summary>Every refused operator attempt, recorded or not.</summary>
    public Counter RefusedOperatorAttempts { get; }

    /// <summary>Refused operator attempts past the audit log's rate limit.</summary>
    public Counter RefusedAttemptsNotRecorded { get; }

    /// <summary>Audited operator actions.</summary>
    public Counter OperatorActions { get; }

    /// <summary>Placement decisions.</summary>
    public Counter Placements { get; }

    /// <summary>Tokens metered on completion.</summary>
    public Counter CompletedTokens { get; }

    /// <summary>Counts one placement result.</summary>
    public void CountPlacement(PlacementResult result) =>
        Placements.WithLabels(
            result.DryRun ? "dry_run" : result.Outcome switch { PlacementOutcome.Placed => "placed", PlacementOutcome.Queued => "queued", _ => "rejected" },
            result.Placed ? "none" : ReasonLabel(result.Reason),
            result.LatencyClass == LatencyClass.LongHorizon ? "long_horizon" : "interactive",
            result.Placed ? AcceleratorRegistration.PoolClassName(result.HardwareClass) : "none").Inc();

    // The ErrorInfo reasons, lowercased once: label values must not allocate on the placement path.
    private static readonly FrozenDictionary<RejectionReason, string> ReasonLabels =
        Enum.GetValues<RejectionReason>().ToFrozenDictionary(r => r, r => PlacementContract.ReasonName(r).ToLowerInvariant());

    private static string ReasonLabel(RejectionReason reason) => ReasonLabels.GetValueOrDefault(reason, "rejected");

    /// <summary>Counts tokens of one completion.</summary>
    public void CountCompletion(HardwareClass hardwareClass, long tokens) =>
        CompletedTokens.WithLabels(AcceleratorRegistration.PoolClassName(hardwareClass)).Inc(tokens);

    /// <summary>The registry <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Register calls by result.</summary>
    public Counter Registrations { get; }

    /// <summary>Accepted telemetry reports.</summary>
    public Counter TelemetryReports { get; }

    /// <summary>Snapshots applied to accelerator grains.</summary>
    public Counter TelemetryApplied { get; }

    /// <summary>Agent streams ended with an error, by status code.</summary>
    public Counter StreamErrors { get; }

    /// <summary>Open agent streams.</summary>
    public Gauge OpenStreams { get; }

    /// <summary>Closed agent streams by how they ended.</summary>
    public Counter StreamsClosed { get; }

    /// <summary>Node commands by kind and result.</summary>
    public Counter Commands { get; }

    /// <summary>Fleet size by state, class and pool; refreshed from the fleet index at each scrape.</summary>
    public Gauge Accelerators { get; }

    /// <summary>Fleet throughput by pool; refreshed at each scrape.</summary>
    public Gauge PoolTokensPerSecond { get; }

    /// <summary>Pool utilisation; refreshed at each scrape.</summary>
    public Gauge PoolUtilization { get; }
}
