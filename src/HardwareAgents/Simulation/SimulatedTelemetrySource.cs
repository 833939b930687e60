using ControlPlane.Contracts.V1;

namespace ControlPlane.HardwareAgents.Simulation;

/// <summary>
/// Plausible telemetry for a simulated accelerator: a random walk of active streams, with tokens/s per
/// stream taken from public figures (DESIGN.md §1: ~1,000+ tok/s per stream from wafer SRAM for a small
/// fast model; ~70 tok/s per stream for a large model on GPUs).
/// </summary>
public sealed class SimulatedTelemetrySource(string acceleratorId, bool isWafer, long memoryBytes, Random random)
    : Telemetry.ITelemetrySource
{
    /// <summary>Per-stream decode speed of the seed article's fast model on wafer SRAM.</summary>
    public const double WaferTokensPerStream = 1_100;

    /// <summary>Per-stream decode speed of a large coding model on GPUs.</summary>
    public const double GpuTokensPerStream = 70;

    private readonly int _slots = isWafer ? 8 : 64; // wafers hold few concurrent streams; GPU nodes batch many
    private int _streams;

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, AcceleratorTelemetry>> SampleAsync(CancellationToken cancellationToken)
    {
        _streams = Math.Clamp(_streams + random.Next(-2, 3), 0, _slots);
        var load = (double)_streams / _slots;
        var telemetry = new AcceleratorTelemetry
        {
            ActiveStreams = _streams,
            Utilization = Math.Clamp(load * 0.9 + random.NextDouble() * 0.05, 0, 1),
            TokensPerSecond = _streams * (isWafer ? WaferTokensPerStream : GpuTokensPerStream) * (0.9 + random.NextDouble() * 0.2),
            FreeMemoryBytes = (long)(memoryBytes * (0.4 - 0.3 * load)), // weights take ~60%, KV cache the rest as load grows
            TemperatureCelsius = isWafer ? 0 : 40 + 35 * load,
            PowerWatts = isWafer ? 0 : 8 * (150 + 550 * load),
            Health = HealthStatus.Healthy,
        };
        return Task.FromResult<IReadOnlyDictionary<string, AcceleratorTelemetry>>(
            new Dictionary<string, AcceleratorTelemetry> { [acceleratorId] = telemetry });
    }
}
