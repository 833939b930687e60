namespace ControlPlane.HardwareAgents.Discovery;

/// <summary>
/// One GPU as one line of <c>nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw --format=csv,noheader,nounits</c>
/// reports it. Fields nvidia-smi prints as <c>[N/A]</c> or <c>[Not Supported]</c> are null.
/// </summary>
public sealed record GpuReading(
    int Index,
    string Uuid,
    string Name,
    long MemoryTotalMiB,
    long? MemoryUsedMiB,
    double? UtilizationPercent,
    double? TemperatureCelsius,
    double? PowerDrawWatts)
{
    /// <summary>Bytes in one MiB, the unit nvidia-smi reports memory in.</summary>
    public const long BytesPerMiB = 1024L * 1024L;

    /// <summary>Total memory in bytes.</summary>
    public long MemoryTotalBytes => MemoryTotalMiB * BytesPerMiB;
}
