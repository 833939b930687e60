namespace ControlPlane.Placement.Hardware;

/// <summary>
/// One kind of hardware the fleet can hold. For GPU nodes the memory and bandwidth figures are per GPU;
/// for wafer-scale systems there is one "device" (the wafer) per system.
/// </summary>
/// <param name="Name">Catalogue key, e.g. <c>cs3</c> or <c>h100-sxm</c>.</param>
/// <param name="Class">Wafer-scale or GPU.</param>
/// <param name="MemoryKind">SRAM or HBM.</param>
/// <param name="MemoryBytesPerDevice">Memory of one wafer or one GPU.</param>
/// <param name="MemoryBandwidthBytesPerSecondPerDevice">Memory bandwidth of one wafer or one GPU.</param>
/// <param name="DenseBf16FlopsPerDevice">Peak dense 16-bit compute of one wafer or one GPU.</param>
/// <param name="MaxDevicesPerSystem">Most GPUs one node of this SKU holds (1 for a wafer system).</param>
public sealed record HardwareSku(
    string Name,
    HardwareClass Class,
    MemoryKind MemoryKind,
    long MemoryBytesPerDevice,
    double MemoryBandwidthBytesPerSecondPerDevice,
    double DenseBf16FlopsPerDevice,
    int MaxDevicesPerSystem);
