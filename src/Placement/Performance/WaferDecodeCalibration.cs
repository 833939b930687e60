namespace ControlPlane.Placement.Performance;

/// <summary>
/// Decode speed of a wafer-scale system for one software release. Weights sit in SRAM whose bandwidth
/// (21 PB/s) makes the bytes-per-token term negligible (16 GB of 8B weights read in under 1 µs), so a
/// decoded token costs a per-layer latency: <c>FixedMicrosPerLayer + MicrosPerLayerGigabyte × GB of weights per layer</c>.
/// Two public points per release fix the two constants.
/// </summary>
/// <param name="Release">Which software release the figures come from.</param>
/// <param name="FixedMicrosPerLayer">Latency every layer pays regardless of its size, µs.</param>
/// <param name="MicrosPerLayerGigabyte">Latency per GB of a layer's weights, µs.</param>
public sealed record WaferDecodeCalibration(string Release, double FixedMicrosPerLayer, double MicrosPerLayerGigabyte)
{
    /// <summary>
    /// The August 2024 launch (Cerebras Inference, 27 Aug 2024): Llama 3.1 8B at ~1,800 tok/s and 70B at
    /// ~450 tok/s, 16-bit weights. 8B: 32 layers of 0.5 GB, 556 µs/token = 17.36 µs/layer; 70B: 80 layers
    /// of 1.75 GB, 2,222 µs/token = 27.78 µs/layer. Solving: 8.333 µs/GB and 13.194 µs fixed.
    /// </summary>
    public static WaferDecodeCalibration August2024 { get; } = new("2024-08", 13.194, 8.333);

    /// <summary>
    /// The October/November 2024 release: Llama 3.1 70B at ~2,100 tok/s (Cerebras, 24 Oct 2024) and
    /// 405B at ~969 tok/s with 0.24 s TTFT (Cerebras, 18 Nov 2024), 16-bit weights. 70B: 476 µs/token =
    /// 5.952 µs/layer; 405B: 126 layers of 6.43 GB, 1,032 µs/token = 8.190 µs/layer. Solving: 0.4783 µs/GB
    /// and 5.115 µs fixed. The release the live engine uses.
    /// </summary>
    public static WaferDecodeCalibration November2024 { get; } = new("2024-11", 5.115, 0.4783);
}
