using ControlPlane.Contracts.V1;
using ControlPlane.HardwareAgents.Discovery;

namespace ControlPlane.HardwareAgents.Telemetry;

/// <summary>Samples a GPU node by running nvidia-smi again: utilisation, free memory, hottest GPU, total power.</summary>
public sealed class NvidiaSmiTelemetrySource(string acceleratorId, NvidiaSmiProbe probe) : ITelemetrySource
{
    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, AcceleratorTelemetry>> SampleAsync(CancellationToken cancellationToken)
    {
        AcceleratorTelemetry telemetry;
        try
        {
            telemetry = Summarise(await probe.QueryAsync(cancellationToken));
        }
        catch (HardwareDiscoveryException)
        {
            // The node is up (we are running) but its GPUs are not answering: say so, keep the lease.
            telemetry = new AcceleratorTelemetry { Health = HealthStatus.Unhealthy };
        }

        return new Dictionary<string, AcceleratorTelemetry> { [acceleratorId] = telemetry };
    }

    /// <summary>Folds per-GPU readings into one node-level telemetry record.</summary>
    public static AcceleratorTelemetry Summarise(IReadOnlyList<GpuReading> gpus)
    {
        var free = gpus.Sum(g => g.MemoryUsedMiB is { } used ? Math.Max(0, g.MemoryTotalMiB - used) * GpuReading.BytesPerMiB : 0);
        var utilisations = gpus.Where(g => g.UtilizationPercent is not null).Select(g => g.UtilizationPercent!.Value / 100).ToArray();
        var hot = gpus.Max(g => g.TemperatureCelsius ?? 0);
        return new AcceleratorTelemetry
        {
            Utilization = utilisations.Length == 0 ? 0 : Math.Clamp(utilisations.Average(), 0, 1),
            FreeMemoryBytes = free,
            TemperatureCelsius = hot,
            PowerWatts = gpus.Sum(g => g.PowerDrawWatts ?? 0),
            // Sustained temperatures near the H100's 85-90 C slowdown point mean throttling.
            Health = hot >= 85 ? HealthStatus.Degraded : HealthStatus.Healthy,
        };
    }
}
