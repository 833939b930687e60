using ControlPlane.Grains.Accelerators;
using ControlPlane.Placement.Hardware;

namespace ControlPlane.Grains.Tests;

internal static class Registrations
{
    public static AcceleratorRegistration Wafer(string id, string node, string zone = "z1") =>
        new(id, node, HardwareClass.WaferScale, "cs3", MemoryKind.Sram, 44_000_000_000, 21e15, [], new FailureDomain("r1", zone, "rack1"));

    public static AcceleratorRegistration GpuNode(string id, string node, string zone = "z1") =>
        new(id, node, HardwareClass.Gpu, "h100-sxm", MemoryKind.Hbm, 8 * 85_520_809_984L, 8 * 3.35e12,
            Enumerable.Range(0, 8).Select(i => new GpuDevice(i, $"GPU-{id}-{i}", "NVIDIA H100 80GB HBM3", 85_520_809_984L)).ToArray(),
            new FailureDomain("r1", zone, "rack1"));

    public static AcceleratorTelemetry Busy => new(0.5, 3, 10_000_000_000, 3300, HealthStatus.Healthy, 60, 4000);
}
