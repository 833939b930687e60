using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;

namespace ControlPlane.Placement.Replicas;

/// <summary>
/// Places a deployment's replicas on accelerators (DESIGN.md §5, replica placement). A wafer belongs to one
/// replica at a time (layers are laid out across the whole wafer), and a model larger than one wafer's
/// SRAM takes several wafers of one zone; a GPU replica takes a power-of-two number of GPUs of one node
/// (enough for the weights and KV headroom, widened until a few concurrent streams meet the SLO's decode speed),
/// best-fit so whole nodes stay free for large models. Replicas spread over zones, then racks, then
/// nodes. When replicas do not fit, the plan says why for every class tried.
/// </summary>
public sealed class ReplicaPlanner(PerformanceModel model)
{
    /// <summary>Plans <paramref name="count"/> new replicas of <paramref name="deployment"/>.</summary>
    public ReplicaPlan Plan(DeploymentSpec deployment, int count, IReadOnlyList<AcceleratorCapacity> fleet, IReadOnlyList<ExistingReplica> existing)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var free = fleet.Where(a => a.Schedulable).ToDictionary(a => a.AcceleratorId, a => a.FreeDevices, StringComparer.Ordinal);
        var byId = fleet.ToDictionary(a => a.AcceleratorId, StringComparer.Ordinal);
        var zoneUse = new Dictionary<string, int>(StringComparer.Ordinal);
        var rackUse = new Dictionary<string, int>(StringComparer.Ordinal);
        var acceleratorUse = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var replica in existing)
        {
            Count(zoneUse, replica.Zone);
            foreach (var rack in replica.Racks.Distinct())
            {
                Count(rackUse, rack);
            }

            foreach (var id in replica.AcceleratorIds)
            {
                Count(acceleratorUse, id);
            }
        }

        var assignments = new List<ReplicaAssignment>();
        var reasons = new List<string>();
        for (var i = 0; i < count; i++)
        {
            reasons.Clear();
            ReplicaAssignment? chosen = null;
            foreach (var hardwareClass in deployment.AllowedClasses)
            {
                chosen = hardwareClass == HardwareClass.WaferScale
                    ? PlaceOnWafers(deployment, fleet, free, zoneUse, rackUse, reasons)
                    : PlaceOnGpus(deployment, fleet, free, zoneUse, rackUse, acceleratorUse, reasons);
                if (chosen is not null)
                {
                    break;
                }
            }

            if (chosen is null)
            {
                return new ReplicaPlan(assignments, count - i, reasons.ToArray());
            }

            assignments.Add(chosen);
            Count(zoneUse, chosen.Zone);
            foreach (var id in chosen.AcceleratorIds)
            {
                free[id] -= chosen.DevicesPerAccelerator;
                Count(rackUse, byId[id].Rack);
                Count(acceleratorUse, id);
            }
        }

        return new ReplicaPlan(assignments, 0, []);
    }

    private ReplicaAssignment? PlaceOnWafers(
        DeploymentSpec deployment,
        IReadOnlyList<AcceleratorCapacity> fleet,
        Dictionary<string, int> free,
        Dictionary<string, int> zoneUse,
        Dictionary<string, int> rackUse,
        List<string> reasons)
    {
        var wafers = fleet.Where(a => a.Sku.Class == HardwareClass.WaferScale).ToArray();
        if (wafers.Length == 0)
        {
            reasons.Add("wafer-scale: the fleet has no wafer-scale systems");
            return null;
        }

        ReplicaAssignment? best = null;
        (int Zone, int Racks) bestSpread = (int.MaxValue, int.MaxValue);
        foreach (var group in wafers.Where(w => free.TryGetValue(w.AcceleratorId, out var f) && f >= w.Devices)
                     .GroupBy(w => (w.Zone, w.Sku.Name)))
        {
            var sku = group.First().Sku;
            var needed = model.DevicesNeeded(deployment.Shape, sku);
            var available = group.OrderBy(w => rackUse.GetValueOrDefault(w.Rack)).ThenBy(w => w.AcceleratorId, StringComparer.Ordinal).ToArray();
            if (available.Length < needed)
            {
                reasons.Add($"wafer-scale: {deployment.Shape.WeightsBytes / 1e9:F0} GB of weights need {needed} free {sku.Name} wafers in one zone; {group.Key.Zone} has {available.Length}");
                continue;
            }

            var slots = model.StreamSlots(deployment.Shape, sku, needed, deployment.ContextWindowTokens);
            if (slots < 1)
            {
                reasons.Add($"wafer-scale: a {deployment.ContextWindowTokens:N0}-token context does not fit beside the weights on {needed} {sku.Name} wafers");
                continue;
            }

            var taken = available.Take(needed).ToArray();
            var spread = (zoneUse.GetValueOrDefault(group.Key.Zone), taken.Sum(w => rackUse.GetValueOrDefault(w.Rack)));
            if (spread.CompareTo(bestSpread) < 0)
            {
                bestSpread = spread;
                best = new ReplicaAssignment(taken.Select(w => w.AcceleratorId).ToArray(), 1, sku, group.Key.Zone, slots);
            }
        }

        if (best is null && reasons.Count == 0)
        {
            reasons.Add("wafer-scale: every wafer-scale system is taken by other replicas, cordoned, draining or lost");
        }

        return best;
    }

    private ReplicaAssignment? PlaceOnGpus(
        DeploymentSpec deployment,
        IReadOnlyList<AcceleratorCapacity> fleet,
        Dictionary<string, int> free,
        Dictionary<string, int> zoneUse,
        Dictionary<string, int> rackUse,
        Dictionary<string, int> nodeUse,
        List<string> reasons)
    {
        var nodes = fleet.Where(a => a.Sku.Class == HardwareClass.Gpu).ToArray();
        if (nodes.Length == 0)
        {
            reasons.Add("gpu: the fleet has no GPU nodes");
            return null;
        }

        ReplicaAssignment? best = null;
        (int Zone, int Rack, int Node, int Left) bestKey = (int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue);
        var largestFree = 0;
        var anyLargeEnough = false;
        var tooBig = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var needed = GpusFor(deployment, node);
            if (needed > node.Devices)
            {
                tooBig.Add($"{node.Sku.Name} ({needed} GPUs needed, nodes have {node.Devices})");
                continue;
            }

            anyLargeEnough = true;
            if (!free.TryGetValue(node.AcceleratorId, out var f))
            {
                continue;
            }

            largestFree = Math.Max(largestFree, f);
            if (f < needed)
            {
                continue;
            }

            var slots = model.StreamSlots(deployment.Shape, node.Sku, needed, deployment.ContextWindowTokens);
            if (slots < 1)
            {
                tooBig.Add($"{node.Sku.Name} (a {deployment.ContextWindowTokens:N0}-token context leaves no KV room on {needed} GPUs)");
                continue;
            }

            var key = (zoneUse.GetValueOrDefault(node.Zone), rackUse.GetValueOrDefault(node.Rack), nodeUse.GetValueOrDefault(node.AcceleratorId), f - needed);
            if (key.CompareTo(bestKey) < 0)
            {
                bestKey = key;
                best = new ReplicaAssignment([node.AcceleratorId], needed, node.Sku, node.Zone, slots);
            }
        }

        if (best is null)
        {
            var weights = $"{deployment.Shape.WeightsBytes / 1e9:F0} GB of weights";
            reasons.Add(!anyLargeEnough || (largestFree == 0 && tooBig.Count > 0)
                ? $"gpu: {weights} do not fit one node: {string.Join(", ", tooBig)}"
                : $"gpu: {weights} need more free GPUs on one schedulable node than any has (largest free: {largestFree} GPUs)");
        }

        return best;
    }

    // The fewest GPUs that hold the weights, widened (tensor parallel, powers of two, up to the node) until
    // SloStreams concurrent streams each decode at the SLO's minimum speed: memory sets the floor, the SLO the shape.
    private int GpusFor(DeploymentSpec deployment, AcceleratorCapacity node)
    {
        var needed = model.DevicesNeeded(deployment.Shape, node.Sku);
        while (needed < node.Devices && needed * 2 <= node.Devices
               && model.Predict(deployment.Shape, node.Sku, needed).TokensPerSecondPerStream(model.Calibration.SloStreams) < deployment.Slo.MinTokensPerSecond)
        {
            needed *= 2;
        }

        return needed;
    }

    private static void Count(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
}
