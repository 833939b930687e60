namespace ControlPlane.Placement.Models;

/// <summary>The numeric format a deployment's weights are served in.</summary>
public enum ModelPrecision
{
    /// <summary>16-bit (BF16/FP16): 2 bytes per parameter.</summary>
    Bf16 = 1,

    /// <summary>8-bit floating point: 1 byte per parameter.</summary>
    Fp8 = 2,

    /// <summary>4-bit integer: half a byte per parameter.</summary>
    Int4 = 3,
}

/// <summary>Byte sizes of <see cref="ModelPrecision"/> values.</summary>
public static class ModelPrecisions
{
    /// <summary>Bytes one parameter takes in <paramref name="precision"/>.</summary>
    public static double BytesPerParameter(this ModelPrecision precision) => precision switch
    {
        ModelPrecision.Bf16 => 2.0,
        ModelPrecision.Fp8 => 1.0,
        ModelPrecision.Int4 => 0.5,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    /// <summary>Parses "bf16", "fp8" or "int4" (case-insensitive).</summary>
    public static bool TryParse(string? text, out ModelPrecision precision)
    {
        precision = text?.ToLowerInvariant() switch
        {
            "bf16" or "fp16" => ModelPrecision.Bf16,
            "fp8" => ModelPrecision.Fp8,
            "int4" => ModelPrecision.Int4,
            _ => 0,
        };
        return precision != 0;
    }

    /// <summary>The names <see cref="TryParse"/> accepts, for error messages.</summary>
    public static IReadOnlyList<string> Names { get; } = ["bf16", "fp8", "int4"];
}
