using ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Tests.Infrastructure;

/// <summary>Well-formed registrations to start from; tests break one field at a time.</summary>
public static class Specs
{
    public const long H100MiB = 81_559;

    public static AcceleratorSpec Wafer(string id) => new()
    {
        AcceleratorId = id,
        HardwareClass = HardwareClass.WaferScale,
        Sku = "cs3",
        MemoryBytes = 44_000_000_000,
        Location = new Location { Region = "us-east", Zone = "use1-az1", Rack = "r01" },
    };

    public static AcceleratorSpec GpuNode(string id, int gpus = 8)
    {
        var spec = new AcceleratorSpec
        {
            AcceleratorId = id,
            HardwareClass = HardwareClass.Gpu,
            Sku = "h100-sxm",
            Location = new Location { Region = "us-east", Zone = "use1-az2" },
        };
        for (var i = 0; i < gpus; i++)
        {
            spec.Gpus.Add(new GpuDevice { Index = i, Uuid = $"GPU-{id}-{i}", Name = "NVIDIA H100 80GB HBM3", MemoryBytes = H100MiB * 1024 * 1024 });
        }

        return spec;
    }

    public static RegisterRequest Register(string nodeId, params AcceleratorSpec[] accelerators)
    {
        var request = new RegisterRequest { NodeId = nodeId, AgentVersion = "test" };
        request.Accelerators.AddRange(accelerators);
        return request;
    }

    public static AgentMessage Telemetry(string acceleratorId, ulong sequence, double utilization = 0.5) => new()
    {
        Telemetry = new TelemetryReport
        {
            AcceleratorId = acceleratorId,
            Sequence = sequence,
            Telemetry = new AcceleratorTelemetry { Utilization = utilization, ActiveStreams = 2, TokensPerSecond = 2200, Health = HealthStatus.Healthy },
        },
    };
}
