using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Replicas;

namespace ControlPlane.HardwareAgents.Simulation;

/// <summary>
/// Telemetry of a simulated accelerator, from the work actually placed on it: active streams and
/// tokens/s come from the replicas its <see cref="SimulatedReplicaHost"/> serves (at the speeds the
/// performance model predicted); utilisation, memory, temperature and power follow that load.
/// </summary>
public sealed class SimulatedTelemetrySource(string acceleratorId, bool isWafer, long memoryBytes, SimulatedReplicaHost host, Random random)
    : Telemetry.ITelemetrySource
{
    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, AcceleratorTelemetry>> SampleAsync(CancellationToken cancellationToken)
    {
        var (streams, tokensPerSecond, slots) = host.LoadOn(acceleratorId);
        var load = slots == 0 ? 0 : (double)streams / slots;
        var loaded = host.Statuses().Any(s => s.AcceleratorId == acceleratorId);
        var telemetry = new AcceleratorTelemetry
        {
            ActiveStreams = streams,
            Utilization = Math.Clamp(load * 0.9 + random.NextDouble() * 0.02, 0, 1),
            TokensPerSecond = tokensPerSecond,
            FreeMemoryBytes = (long)(memoryBytes * (loaded ? 0.4 - 0.3 * load : 1.0)), // weights take ~60% once loaded, KV grows with load
            TemperatureCelsius = isWafer ? 0 : 40 + 35 * load,
            PowerWatts = isWafer ? 0 : 8 * (150 + 550 * load),
            Health = HealthStatus.Healthy,
        };
        telemetry.Replicas.AddRange(host.UsageOn(acceleratorId));
        return Task.FromResult<IReadOnlyDictionary<string, AcceleratorTelemetry>>(
            new Dictionary<string, AcceleratorTelemetry> { [acceleratorId] = telemetry });
    }
}
