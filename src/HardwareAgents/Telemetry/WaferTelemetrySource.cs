using ControlPlane.Contracts.V1;

namespace ControlPlane.HardwareAgents.Telemetry;

/// <summary>
/// Telemetry for wafer-scale systems from the inventory file. Their vendors publish no monitoring API,
/// so the agent reports them healthy with full SRAM free until a vendor integration replaces this.
/// </summary>
public sealed class WaferTelemetrySource(IReadOnlyDictionary<string, long> sramBytesById) : ITelemetrySource
{
    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, AcceleratorTelemetry>> SampleAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, AcceleratorTelemetry>>(sramBytesById.ToDictionary(
            kv => kv.Key,
            kv => new AcceleratorTelemetry { Health = HealthStatus.Healthy, FreeMemoryBytes = kv.Value }));
}
