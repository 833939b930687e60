namespace ControlPlane.Placement.Models;

/// <summary>
/// The size of a model as the performance model needs it. Dense models only: a mixture-of-experts model
/// is described by its active parameters, since those are what each decoded token reads.
/// </summary>
/// <param name="Parameters">Parameter count (active parameters per token).</param>
/// <param name="Layers">Transformer layers.</param>
/// <param name="Precision">Weight precision.</param>
/// <param name="KvBytesPerToken">KV-cache bytes one token of context takes, over all layers.</param>
public sealed record ModelShape(long Parameters, int Layers, ModelPrecision Precision, long KvBytesPerToken)
{
    /// <summary>Bytes of weights to hold in memory.</summary>
    public long WeightsBytes => (long)(Parameters * Precision.BytesPerParameter());

    /// <summary>Weights per layer in GB (10^9 bytes), the unit the wafer calibration uses.</summary>
    public double WeightsGigabytesPerLayer => WeightsBytes / 1e9 / Layers;

    /// <summary>
    /// KV bytes per token of a grouped-query-attention transformer: 2 (K and V) × layers × KV heads ×
    /// head dimension × bytes per value.
    /// </summary>
    public static long GroupedQueryKvBytesPerToken(int layers, int kvHeads, int headDimension, double bytesPerValue = 2) =>
        (long)(2 * layers * kvHeads * headDimension * bytesPerValue);

    /// <summary>Llama 3.1 8B (32 layers, 8 KV heads of 128), the wafer calibration's small point.</summary>
    public static ModelShape Llama31_8B(ModelPrecision precision = ModelPrecision.Bf16) =>
        new(8_000_000_000, 32, precision, GroupedQueryKvBytesPerToken(32, 8, 128));

    /// <summary>Llama 3.1 70B (80 layers, 8 KV heads of 128).</summary>
    public static ModelShape Llama31_70B(ModelPrecision precision = ModelPrecision.Bf16) =>
        new(70_000_000_000, 80, precision, GroupedQueryKvBytesPerToken(80, 8, 128));

    /// <summary>Llama 3.1 405B (126 layers, 8 KV heads of 128).</summary>
    public static ModelShape Llama31_405B(ModelPrecision precision = ModelPrecision.Bf16) =>
        new(405_000_000_000, 126, precision, GroupedQueryKvBytesPerToken(126, 8, 128));
}
