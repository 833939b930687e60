using ControlPlane.Placement.Hardware;

namespace ControlPlane.Grains.Accelerators;

/// <summary>Where an accelerator sits; zone and rack are failure domains.</summary>
[GenerateSerializer, Immutable, Alias("cp.FailureDomain")]
public sealed record FailureDomain(
    [property: Id(0)] string Region,
    [property: Id(1)] string Zone,
    [property: Id(2)] string Rack);

/// <summary>One GPU of a GPU node, as its agent discovered it.</summary>
[GenerateSerializer, Immutable, Alias("cp.GpuDevice")]
public sealed record GpuDevice(
    [property: Id(0)] int Index,
    [property: Id(1)] string Uuid,
    [property: Id(2)] string Name,
    [property: Id(3)] long MemoryBytes);

/// <summary>What a node declares about one of its accelerators. Validated at the API boundary.</summary>
[GenerateSerializer, Immutable, Alias("cp.AcceleratorRegistration")]
public sealed record AcceleratorRegistration(
    [property: Id(0)] string AcceleratorId,
    [property: Id(1)] string NodeId,
    [property: Id(2)] HardwareClass HardwareClass,
    [property: Id(3)] string Sku,
    [property: Id(4)] MemoryKind MemoryKind,
    [property: Id(5)] long MemoryBytes,
    [property: Id(6)] double MemoryBandwidthBytesPerSecond,
    [property: Id(7)] IReadOnlyList<GpuDevice> Gpus,
    [property: Id(8)] FailureDomain Location)
{
    /// <summary>
    /// The pool this accelerator belongs to: one hardware class in one region and zone, written
    /// <c>{class}/{region}/{zone}</c>, e.g. <c>wafer-scale/us-east/use1-az1</c>.
    /// </summary>
    public string Pool => $"{PoolClassName(HardwareClass)}/{Location.Region}/{Location.Zone}";

    /// <summary>The class segment of a pool name.</summary>
    public static string PoolClassName(HardwareClass hardwareClass) => hardwareClass switch
    {
        HardwareClass.WaferScale => "wafer-scale",
        HardwareClass.Gpu => "gpu",
        _ => "unknown",
    };
}
