using ControlPlane.Grains.Accelerators;
using ControlPlane.Silos.Contracts;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Validation;

/// <summary>Checks one telemetry report's numbers are physically plausible before they reach a grain.</summary>
public static class TelemetryValidator
{
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
            && t.PowerWatts is >= 0 and <= 1_000_000 && health is not null)
        {
            return new AcceleratorTelemetry(t.Utilization, t.ActiveStreams, t.FreeMemoryBytes, t.TokensPerSecond,
                health.Value, t.TemperatureCelsius, t.PowerWatts);
        }

        var violations = new FieldViolations();
        violations.Check(t.Utilization is >= 0 and <= 1, "telemetry.telemetry.utilization", $"must be 0..1 (got {t.Utilization})");
        violations.Check(t.ActiveStreams is >= 0 and <= 1_000_000, "telemetry.telemetry.active_streams", $"must be 0..1000000 (got {t.ActiveStreams})");
        violations.Check(t.FreeMemoryBytes >= 0, "telemetry.telemetry.free_memory_bytes", $"must not be negative (got {t.FreeMemoryBytes})");
        violations.Check(t.TokensPerSecond is >= 0 and <= 100_000_000, "telemetry.telemetry.tokens_per_second", $"must be 0..100000000 (got {t.TokensPerSecond})");
        violations.Check(t.TemperatureCelsius is >= -50 and <= 200, "telemetry.telemetry.temperature_celsius", $"must be -50..200 (got {t.TemperatureCelsius})");
        violations.Check(t.PowerWatts is >= 0 and <= 1_000_000, "telemetry.telemetry.power_watts", $"must be 0..1000000 (got {t.PowerWatts})");
        violations.Check(health is not null, "telemetry.telemetry.health", $"must be a HealthStatus value (got {(int)t.Health})");
        violations.ThrowIfAny();
        throw new InvalidOperationException("unreachable: a failed fast check must record a violation");
    }
}
