using ControlPlane.Contracts.V1;

namespace ControlPlane.HardwareAgents.Telemetry;

/// <summary>Where an agent's heartbeats get their numbers from.</summary>
public interface ITelemetrySource
{
    /// <summary>A fresh sample for each of the node's accelerators, keyed by accelerator id.</summary>
    Task<IReadOnlyDictionary<string, AcceleratorTelemetry>> SampleAsync(CancellationToken cancellationToken);
}
