using System.Text.RegularExpressions;
using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Silos.Hosting;

/// <summary>Validates <see cref="HardwareOptions"/> at start-up against the built-in catalogue.</summary>
internal sealed partial class HardwareOptionsValidator : IValidateOptions<HardwareOptions>
{
    public ValidateOptionsResult Validate(string? name, HardwareOptions options)
    {
        var errors = new ConfigurationErrors(HardwareOptions.SectionName);
        var seen = new HashSet<string>(Placement.Hardware.HardwareCatalogue.Default.Names, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Skus.Count; i++)
        {
            var sku = options.Skus[i];
            var key = $"Skus:{i}:";
            if (!errors.Check(NamePattern().IsMatch(sku.Name), key + nameof(sku.Name), $"must be 1..32 lowercase letters, digits or '-' (got '{sku.Name}')"))
            {
                continue;
            }

            errors.Check(seen.Add(sku.Name), key + nameof(sku.Name), $"'{sku.Name}' is already in the catalogue; pick another name");
            errors.Check(sku.Class is Placement.Hardware.HardwareClass.WaferScale or Placement.Hardware.HardwareClass.Gpu, key + nameof(sku.Class),
                $"must be WaferScale or Gpu (got '{sku.Class}')");
            errors.Check(sku.MemoryBytesPerDevice is > 0 and <= 10_000_000_000_000, key + nameof(sku.MemoryBytesPerDevice),
                $"must be 1..10000000000000 bytes (got {sku.MemoryBytesPerDevice})");
            errors.Check(sku.MemoryBandwidthBytesPerSecondPerDevice is > 0 and <= 1e18, key + nameof(sku.MemoryBandwidthBytesPerSecondPerDevice),
                $"must be positive and at most 1e18 bytes/s (got {sku.MemoryBandwidthBytesPerSecondPerDevice})");
            errors.Check(sku.DenseBf16FlopsPerDevice is > 0 and <= 1e19, key + nameof(sku.DenseBf16FlopsPerDevice),
                $"must be positive and at most 1e19 FLOP/s (got {sku.DenseBf16FlopsPerDevice})");
            errors.Check(sku.Class != Placement.Hardware.HardwareClass.WaferScale ? sku.MaxDevicesPerSystem is >= 1 and <= 64 : sku.MaxDevicesPerSystem == 1,
                key + nameof(sku.MaxDevicesPerSystem), $"must be 1 for a wafer-scale system and 1..64 for a GPU node (got {sku.MaxDevicesPerSystem})");
        }

        return errors.Result();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex NamePattern();
}
