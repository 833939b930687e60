using ControlPlane.Contracts.V1;

namespace ControlPlane.HardwareAgents.Telemetry;

/// <summary>Merges the samples of several sources (a node with GPUs and an inventory of wafer systems).</summary>
public sealed class CompositeTelemetrySource(IReadOnlyList<ITelemetrySource> sources) : ITelemetrySource
{
    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, AcceleratorTelemetry>> SampleAsync(CancellationToken cancellationToken)
    {
        var merged = new Dictionary<string, AcceleratorTelemetry>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            foreach (var (id, telemetry) in await source.SampleAsync(cancellationToken))
            {
                merged[id] = telemetry;
            }
        }

        return merged;
    }
}
