using ControlPlane.Grains.Accelerators;
using ControlPlane.Silos.Contracts;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Validation;

/// <summary>Checks one telemetry report's numbers are physically plausible before they reach a grain.</summary>
public static class TelemetryValidator
{
    /// <summary>Most replicas one accelerator reports usage for.</summary>
    public const int MaxReplicas = 64;

    /// <summary>The domain telemetry of <paramref name="report"/>; throws INVALID_ARGUMENT naming each bad field.</summary>
    public static AcceleratorTelemetry Parse(V1.TelemetryReport report)
    {
        var t = report.Telemetry;
        if (t is null)
        {
            throw FieldViolations.Single(Grpc.Core.StatusCode.InvalidArgument, "telemetry.telemetry", "is required");
        }

        // The common case costs six comparisons and no allocation: this runs for every heartbeat.
        var health = ContractMapping.ToDomain(t.Health);
        if (t.Utilization is >= 0 and <= 1 && t.ActiveStreams is >= 0 and <= 1_000_000 && t.FreeMemoryBytes >= 0
            && t.TokensPerSecond is >= 0 and <= 100_000_000 && t.TemperatureCelsius is >= -50 and <= 200
            && t.PowerWatts is >= 0 and <= 1_000_000 && health is not null && ReplicasPlausible(t))
        {
            return new AcceleratorTelemetry(t.Utilization, t.ActiveStreams, t.FreeMemoryBytes, t.TokensPerSecond,
                health.Value, t.TemperatureCelsius, t.PowerWatts, Replicas(t));
        }

        var violations = new FieldViolations();
        violations.Check(t.Utilization is >= 0 and <= 1, "telemetry.telemetry.utilization", $"must be 0..1 (got {t.Utilization})");
        violations.Check(t.ActiveStreams is >= 0 and <= 1_000_000, "telemetry.telemetry.active_streams", $"must be 0..1000000 (got {t.ActiveStreams})");
        violations.Check(t.FreeMemoryBytes >= 0, "telemetry.telemetry.free_memory_bytes", $"must not be negative (got {t.FreeMemoryBytes})");
        violations.Check(t.TokensPerSecond is >= 0 and <= 100_000_000, "telemetry.telemetry.tokens_per_second", $"must be 0..100000000 (got {t.TokensPerSecond})");
        violations.Check(t.TemperatureCelsius is >= -50 and <= 200, "telemetry.telemetry.temperature_celsius", $"must be -50..200 (got {t.TemperatureCelsius})");
        violations.Check(t.PowerWatts is >= 0 and <= 1_000_000, "telemetry.telemetry.power_watts", $"must be 0..1000000 (got {t.PowerWatts})");
        violations.Check(health is not null, "telemetry.telemetry.health", $"must be a HealthStatus value (got {(int)t.Health})");
        violations.Check(t.Replicas.Count <= MaxReplicas, "telemetry.telemetry.replicas", $"must list at most {MaxReplicas} replicas (got {t.Replicas.Count})");
        for (var i = 0; i < Math.Min(t.Replicas.Count, MaxReplicas); i++)
        {
            var r = t.Replicas[i];
            var field = $"telemetry.telemetry.replicas[{i}]";
            violations.Check(ResourceIds.IsValid(r.ReplicaId), field + ".replica_id", $"{ResourceIds.Rule} (got '{ResourceIds.Shorten(r.ReplicaId)}')");
            violations.Check(r.ActiveStreams is >= 0 and <= 1_000_000, field + ".active_streams", $"must be 0..1000000 (got {r.ActiveStreams})");
            violations.Check(r.QueueDepth is >= 0 and <= 1_000_000, field + ".queue_depth", $"must be 0..1000000 (got {r.QueueDepth})");
            violations.Check(r.KvUtilization is >= 0 and <= 1, field + ".kv_utilization", $"must be 0..1 (got {r.KvUtilization})");
            violations.Check(r.TokensPerSecond is >= 0 and <= 100_000_000, field + ".tokens_per_second", $"must be 0..100000000 (got {r.TokensPerSecond})");
        }

        violations.ThrowIfAny();
        throw new InvalidOperationException("unreachable: a failed fast check must record a violation");
    }

    private static bool ReplicasPlausible(V1.AcceleratorTelemetry t)
    {
        if (t.Replicas.Count > MaxReplicas)
        {
            return false;
        }

        foreach (var r in t.Replicas)
        {
            if (!ResourceIds.IsValid(r.ReplicaId) || r.ActiveStreams is < 0 or > 1_000_000 || r.QueueDepth is < 0 or > 1_000_000
                || r.KvUtilization is < 0 or > 1 || double.IsNaN(r.KvUtilization) || r.TokensPerSecond is < 0 or > 100_000_000)
            {
                return false;
            }
        }

        return true;
    }

    private static ReplicaUsage[]? Replicas(V1.AcceleratorTelemetry t) =>
        t.Replicas.Count == 0 ? null : t.Replicas.Select(r => new ReplicaUsage(r.ReplicaId, r.ActiveStreams, r.QueueDepth, r.KvUtilization, r.TokensPerSecond)).ToArray();
}
