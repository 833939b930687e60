namespace ControlPlane.HardwareAgents.Discovery;

/// <summary>Maps the GPU names nvidia-smi prints to the control plane's SKU names.</summary>
public static class GpuSkuResolver
{
    // Product names as nvidia-smi prints them; PCIe and NVL parts have other memory and bandwidth, so they are not matched.
    private static readonly (string NamePrefix, string Sku)[] KnownNames =
    [
        ("NVIDIA H100 80GB HBM3", "h100-sxm"),
        ("NVIDIA H100 SXM", "h100-sxm"),
        ("NVIDIA H200", "h200"),
        ("NVIDIA B200", "b200"),
    ];

    /// <summary>The SKU of a node's GPUs; they must all be one kind.</summary>
    /// <param name="gpus">What nvidia-smi reported.</param>
    /// <param name="overrideSku">A SKU the operator named with <c>--gpu-sku</c>; wins over the name.</param>
    public static string Resolve(IReadOnlyList<GpuReading> gpus, string? overrideSku)
    {
        if (!string.IsNullOrEmpty(overrideSku))
        {
            return overrideSku;
        }

        var names = gpus.Select(g => g.Name).Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length != 1)
        {
            throw new HardwareDiscoveryException(
                $"this node mixes GPU models ({string.Join(", ", names)}); one node must be one SKU: run one agent per model or pass --gpu-sku");
        }

        foreach (var (prefix, sku) in KnownNames)
        {
            if (names[0].StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && !names[0].Contains("NVL", StringComparison.OrdinalIgnoreCase)
                && !names[0].Contains("PCIe", StringComparison.OrdinalIgnoreCase))
            {
                return sku;
            }
        }

        throw new HardwareDiscoveryException(
            $"GPU model '{names[0]}' is not in the hardware catalogue (known: H100 SXM, H200, B200); pass --gpu-sku to name its SKU");
    }
}
