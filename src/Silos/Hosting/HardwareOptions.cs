using ControlPlane.Placement.Hardware;

namespace ControlPlane.Silos.Hosting;

/// <summary>
/// SKUs to add to the built-in hardware catalogue, for hardware the project does not ship figures for.
/// Bound from <c>ControlPlane:Hardware</c>; e.g. <c>ControlPlane:Hardware:Skus:0:Name=mi300x</c>.
/// </summary>
public sealed class HardwareOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Hardware";

    /// <summary>Extra SKUs; names must not repeat each other or a built-in SKU.</summary>
    public List<SkuOptions> Skus { get; set; } = [];

    /// <summary>The built-in catalogue plus <see cref="Skus"/> (call after validation).</summary>
    public HardwareCatalogue BuildCatalogue(HardwareCatalogue builtIn) => builtIn.With(Skus.Select(s => s.ToSku()));
}

/// <summary>One SKU from configuration. For GPU nodes, memory, bandwidth and compute are per GPU.</summary>
public sealed class SkuOptions
{
    /// <summary>Catalogue key agents register with, e.g. <c>mi300x</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>WaferScale</c> or <c>Gpu</c>.</summary>
    public HardwareClass? Class { get; set; }

    /// <summary>Memory of one wafer or one GPU, in bytes.</summary>
    public long MemoryBytesPerDevice { get; set; }

    /// <summary>Memory bandwidth of one wafer or one GPU, in bytes per second.</summary>
    public double MemoryBandwidthBytesPerSecondPerDevice { get; set; }

    /// <summary>Peak dense 16-bit compute of one wafer or one GPU, in FLOP/s.</summary>
    public double DenseBf16FlopsPerDevice { get; set; }

    /// <summary>Most GPUs one node holds (1 for a wafer system).</summary>
    public int MaxDevicesPerSystem { get; set; } = 1;

    /// <summary>The catalogue entry; wafers keep weights in SRAM, GPUs in HBM.</summary>
    public HardwareSku ToSku() => new(Name, Class!.Value, Class == HardwareClass.WaferScale ? MemoryKind.Sram : MemoryKind.Hbm,
        MemoryBytesPerDevice, MemoryBandwidthBytesPerSecondPerDevice, DenseBf16FlopsPerDevice, MaxDevicesPerSystem);
}
