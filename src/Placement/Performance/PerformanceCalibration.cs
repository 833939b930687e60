using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Performance;

/// <summary>
/// The constants of the performance model, each with its source. Public figures fix the wafer decode
/// terms and the GPU bandwidth efficiency; the batching and prefill terms are stated assumptions.
/// </summary>
public sealed record PerformanceCalibration
{
    /// <summary>Wafer decode latency per layer (<see cref="WaferDecodeCalibration.November2024"/> by default).</summary>
    public WaferDecodeCalibration Wafer { get; init; } = WaferDecodeCalibration.November2024;

    /// <summary>
    /// Share of peak HBM bandwidth a GPU decode step achieves. 0.7: the ~70 tok/s of a large GPU-served
    /// coding model (DESIGN.md §5; a 400B-class 8-bit model on 8×H200 reads 400 GB per token from
    /// 38.4 TB/s peak) implies 0.73, in line with the 60-80% that published vLLM and TensorRT-LLM
    /// single-stream measurements reach.
    /// </summary>
    public double GpuBandwidthEfficiency { get; init; } = 0.7;

    /// <summary>
    /// Share of peak dense compute prefill achieves (GPU). Assumption: 0.5, typical model-FLOPs
    /// utilisation of large-batch prefill on H100-class GPUs.
    /// </summary>
    public double GpuPrefillEfficiency { get; init; } = 0.5;

    /// <summary>Share of peak compute wafer prefill achieves. Assumption: 0.3 (no public figure).</summary>
    public double WaferPrefillEfficiency { get; init; } = 0.3;

    /// <summary>
    /// Fixed time before the first token beyond prefill (request admission, network, sampling). 0.24 s:
    /// the 405B TTFT of 0.24 s (Cerebras, Nov 2024) is almost all of this, since a 1,000-token prefill on
    /// 19 wafers takes about 1 ms. Applied to both classes.
    /// </summary>
    public TimeSpan FirstTokenOverhead { get; init; } = TimeSpan.FromSeconds(0.238);

    /// <summary>
    /// Per-stream decode slowdown per extra concurrent stream on a GPU replica: per-stream speed =
    /// single-stream speed / (1 + slowdown × (streams - 1)). Assumption: 0.015 (weights are read once per
    /// step for the whole batch, so batching is cheap until compute binds: 32 streams run at 68% speed).
    /// </summary>
    public double GpuBatchSlowdown { get; init; } = 0.015;

    /// <summary>The same slowdown on a wafer replica. Assumption: 0.03 (wafers are tuned for low batch).</summary>
    public double WaferBatchSlowdown { get; init; } = 0.03;

    /// <summary>Most concurrent streams one GPU replica batches. Assumption: 256 (a common serving cap).</summary>
    public int GpuMaxStreamsPerReplica { get; init; } = 256;

    /// <summary>Most concurrent streams one wafer replica batches. Assumption: 64.</summary>
    public int WaferMaxStreamsPerReplica { get; init; } = 64;

    /// <summary>Share of a replica's memory, beyond its weights, kept free for KV cache. Default 0.2.</summary>
    public double KvHeadroomFraction { get; init; } = 0.2;

    /// <summary>
    /// Concurrent streams a GPU replica is sized for: its tensor-parallel width grows until each of this
    /// many streams still decodes at the SLO's speed, so batching does not push a replica that just meets the
    /// SLO alone out of it (which made spillover replicas useless). An assumption, default 8.
    /// </summary>
    public int SloStreams { get; init; } = 8;

    /// <summary>The calibration the live engine and the simulator use.</summary>
    public static PerformanceCalibration Default { get; } = new();

    /// <summary>Batch slowdown for <paramref name="hardwareClass"/>.</summary>
    public double BatchSlowdown(HardwareClass hardwareClass) =>
        hardwareClass == HardwareClass.WaferScale ? WaferBatchSlowdown : GpuBatchSlowdown;

    /// <summary>Stream cap for <paramref name="hardwareClass"/>.</summary>
    public int MaxStreamsPerReplica(HardwareClass hardwareClass) =>
        hardwareClass == HardwareClass.WaferScale ? WaferMaxStreamsPerReplica : GpuMaxStreamsPerReplica;
}
