using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Replicas;

/// <summary>Where one new replica goes: one or more accelerators and the devices it takes on each.</summary>
/// <param name="AcceleratorIds">The accelerators, the first being the replica's primary (where its slots are reserved).</param>
/// <param name="DevicesPerAccelerator">Devices taken on each accelerator (all of a wafer; some or all GPUs of a node).</param>
/// <param name="Sku">The hardware the replica runs on.</param>
/// <param name="Zone">The zone it lands in.</param>
/// <param name="StreamSlots">Concurrent streams it can hold.</param>
public sealed record ReplicaAssignment(
    IReadOnlyList<string> AcceleratorIds,
    int DevicesPerAccelerator,
    HardwareSku Sku,
    string Zone,
    int StreamSlots);

/// <summary>The result of planning: the replicas that could be placed and, for the rest, why not.</summary>
/// <param name="Assignments">New replicas, in the order they were chosen.</param>
/// <param name="Unplaced">How many asked-for replicas found no room.</param>
/// <param name="Reasons">For each hardware class tried, why the remaining replicas did not fit.</param>
public sealed record ReplicaPlan(IReadOnlyList<ReplicaAssignment> Assignments, int Unplaced, IReadOnlyList<string> Reasons);
