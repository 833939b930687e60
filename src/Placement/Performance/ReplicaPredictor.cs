using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;

namespace ControlPlane.Placement.Performance;

/// <summary>
/// Predicts a placed replica's performance from what the control plane keeps of it (its SKU by name, the
/// devices it takes on each of its accelerators): the one place the grains turn a stored replica into a
/// prediction, for routing and for scaling alike.
/// </summary>
public sealed class ReplicaPredictor(PerformanceModel model, HardwareCatalogue catalogue)
{
    /// <summary>What <paramref name="skuName"/> hardware does for <paramref name="shape"/>; null when the SKU is not in the catalogue.</summary>
    public ReplicaPerformance? Predict(ModelShape shape, string skuName, int devicesPerAccelerator, int accelerators) =>
        catalogue.TryGet(skuName, out var sku) ? model.Predict(shape, sku, devicesPerAccelerator * accelerators) : null;
}
