using System.Collections.Frozen;

namespace ControlPlane.Placement.Hardware;

/// <summary>The SKUs the control plane knows, by name (case-insensitive).</summary>
public sealed class HardwareCatalogue
{
    private const long GB = 1_000_000_000L;
    private const double TB = 1e12;
    private const double PB = 1e15;

    private readonly FrozenDictionary<string, HardwareSku> _skus;

    /// <summary>Builds a catalogue from the given SKUs; names must be unique.</summary>
    public HardwareCatalogue(IEnumerable<HardwareSku> skus)
    {
        ArgumentNullException.ThrowIfNull(skus);
        var byName = new Dictionary<string, HardwareSku>(StringComparer.OrdinalIgnoreCase);
        foreach (var sku in skus)
        {
            if (!byName.TryAdd(sku.Name, sku))
            {
                throw new ArgumentException($"SKU '{sku.Name}' appears twice in the hardware catalogue.", nameof(skus));
            }
        }

        _skus = byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The public SKUs of DESIGN.md §1. Sources: Cerebras WSE-3 announcement (March 2024: 44 GB SRAM,
    /// 21 PB/s, 125 PFLOPS); NVIDIA H100 SXM5 datasheet (80 GB HBM3, 3.35 TB/s, 989 TFLOPS dense BF16);
    /// NVIDIA H200 datasheet (141 GB HBM3e, 4.8 TB/s, 989 TFLOPS dense BF16); NVIDIA DGX B200 datasheet
    /// (1,440 GB over 8 GPUs = 180 GB each, 8 TB/s, 72 PFLOPS FP8 training per 8 GPUs = 2.25 PFLOPS dense BF16 each).
    /// </summary>
    public static HardwareCatalogue Default { get; } = new(
    [
        new HardwareSku("cs3", HardwareClass.WaferScale, MemoryKind.Sram, 44 * GB, 21 * PB, 125 * PB, 1),
        new HardwareSku("h100-sxm", HardwareClass.Gpu, MemoryKind.Hbm, 80 * GB, 3.35 * TB, 989 * TB, 8),
        new HardwareSku("h200", HardwareClass.Gpu, MemoryKind.Hbm, 141 * GB, 4.8 * TB, 989 * TB, 8),
        new HardwareSku("b200", HardwareClass.Gpu, MemoryKind.Hbm, 180 * GB, 8 * TB, 2250 * TB, 8),
    ]);

    /// <summary>All SKU names, sorted, for error messages that list the allowed values.</summary>
    public IReadOnlyList<string> Names => _skus.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>A catalogue holding these SKUs and <paramref name="more"/>; names must stay unique.</summary>
    public HardwareCatalogue With(IEnumerable<HardwareSku> more) => new(_skus.Values.Concat(more));

    /// <summary>Looks a SKU up by name.</summary>
    public bool TryGet(string name, out HardwareSku sku) => _skus.TryGetValue(name, out sku!);
}
