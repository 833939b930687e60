using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Replicas;

namespace ControlPlane.Placement.Performance;

/// <summary>
/// The performance model of DESIGN.md §5, shared by the live engine and the simulator. Decode on GPUs
/// is bandwidth-bound (weights ÷ achieved HBM bandwidth of the replica's GPUs); decode on wafers is a
/// per-layer latency (<see cref="WaferDecodeCalibration"/>); both are capped by compute (2 FLOPs per
/// parameter per token) and slowed by batching; prefill runs at a share of peak compute.
/// </summary>
public sealed class PerformanceModel(PerformanceCalibration calibration)
{
    /// <summary>The model with <see cref="PerformanceCalibration.Default"/>.</summary>
    public static PerformanceModel Default { get; } = new(PerformanceCalibration.Default);

    /// <summary>The constants in use.</summary>
    public PerformanceCalibration Calibration { get; } = calibration;

    /// <summary>Predicts a replica of <paramref name="model"/> placed as <paramref name="assignment"/> says (all its devices together).</summary>
    public ReplicaPerformance Predict(ModelShape model, ReplicaAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return Predict(model, assignment.Sku, assignment.DevicesPerAccelerator * assignment.AcceleratorIds.Count);
    }

    /// <summary>Predicts a replica of <paramref name="model"/> on <paramref name="devices"/> devices (wafers or GPUs) of <paramref name="sku"/>.</summary>
    public ReplicaPerformance Predict(ModelShape model, HardwareSku sku, int devices)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sku);
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);

        var flopsPerToken = 2.0 * model.Parameters;
        double singleStream;
        double prefillEfficiency;
        if (sku.Class == HardwareClass.WaferScale)
        {
            var microsPerLayer = Calibration.Wafer.FixedMicrosPerLayer + Calibration.Wafer.MicrosPerLayerGigabyte * model.WeightsGigabytesPerLayer;
            singleStream = 1e6 / (model.Layers * microsPerLayer);
            prefillEfficiency = Calibration.WaferPrefillEfficiency;
        }
        else
        {
            var bandwidth = devices * sku.MemoryBandwidthBytesPerSecondPerDevice * Calibration.GpuBandwidthEfficiency;
            singleStream = bandwidth / model.WeightsBytes;
            prefillEfficiency = Calibration.GpuPrefillEfficiency;
        }

        var computeBound = devices * sku.DenseBf16FlopsPerDevice * prefillEfficiency / flopsPerToken;
        return new ReplicaPerformance(
            sku.Class,
            Math.Min(singleStream, computeBound),
            computeBound,
            computeBound,
            Calibration.FirstTokenOverhead.TotalSeconds,
            Calibration.BatchSlowdown(sku.Class));
    }

    /// <summary>
    /// Devices (wafers, or GPUs of one node) a replica of <paramref name="model"/> needs on <paramref name="sku"/>:
    /// weights plus <see cref="PerformanceCalibration.KvHeadroomFraction"/> of KV headroom. GPU counts
    /// are rounded up to a power of two (tensor-parallel degrees); wafers are not.
    /// </summary>
    public int DevicesNeeded(ModelShape model, HardwareSku sku)
    {
        var needed = model.WeightsBytes * (1 + Calibration.KvHeadroomFraction);
        var devices = (int)Math.Ceiling(needed / sku.MemoryBytesPerDevice);
        if (sku.Class == HardwareClass.Gpu)
        {
            devices = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, devices));
        }

        return Math.Max(1, devices);
    }

    /// <summary>
    /// Concurrent streams a replica on <paramref name="devices"/> devices holds: the memory left after
    /// weights, divided by a full context window of KV, capped by the class's batch limit. Zero when not
    /// even one full-context stream fits.
    /// </summary>
    public int StreamSlots(ModelShape model, HardwareSku sku, int devices, int contextWindowTokens)
    {
        var free = (double)devices * sku.MemoryBytesPerDevice - model.WeightsBytes;
        var perStream = (double)model.KvBytesPerToken * contextWindowTokens;
        if (free <= 0 || perStream <= 0)
        {
            return 0;
        }

        return (int)Math.Min(Calibration.MaxStreamsPerReplica(sku.Class), Math.Floor(free / perStream));
    }
}
