namespace ControlPlane.Grains.Accelerators;

/// <summary>Health as an agent reports it.</summary>
public enum HealthStatus
{
    /// <summary>Not reported yet.</summary>
    Unknown = 0,

    /// <summary>Working normally.</summary>
    Healthy = 1,

    /// <summary>Working with reduced capacity (e.g. one GPU hot or throttled).</summary>
    Degraded = 2,

    /// <summary>Not able to serve.</summary>
    Unhealthy = 3,
}

/// <summary>Live counters of one accelerator, from its agent's latest heartbeat.</summary>
[GenerateSerializer, Immutable, Alias("cp.AcceleratorTelemetry")]
public sealed record AcceleratorTelemetry(
    [property: Id(0)] double Utilization,
    [property: Id(1)] int ActiveStreams,
    [property: Id(2)] long FreeMemoryBytes,
    [property: Id(3)] double TokensPerSecond,
    [property: Id(4)] HealthStatus Health,
    [property: Id(5)] double TemperatureCelsius,
    [property: Id(6)] double PowerWatts,
    [property: Id(7)] IReadOnlyList<ReplicaUsage>? Replicas = null)
{
    /// <summary>Telemetry of an accelerator that has not reported yet.</summary>
    public static AcceleratorTelemetry None { get; } = new(0, 0, 0, 0, HealthStatus.Unknown, 0, 0);

    /// <summary>The reported usage of <paramref name="replicaId"/>, if any.</summary>
    public ReplicaUsage? UsageOf(string replicaId)
    {
        if (Replicas is null)
        {
            return null;
        }

        foreach (var usage in Replicas)
        {
            if (usage.ReplicaId == replicaId)
            {
                return usage;
            }
        }

        return null;
    }
}

/// <summary>One replica's load as its agent reports it with the primary accelerator's telemetry.</summary>
[GenerateSerializer, Immutable, Alias("cp.ReplicaUsage")]
public sealed record ReplicaUsage(
    [property: Id(0)] string ReplicaId,
    [property: Id(1)] int ActiveStreams,
    [property: Id(2)] int QueueDepth,
    [property: Id(3)] double KvUtilization,
    [property: Id(4)] double TokensPerSecond);
