namespace ControlPlane.Placement.Replicas;

/// <summary>A replica of the deployment that already runs, so new ones spread away from it.</summary>
/// <param name="Zone">Its zone.</param>
/// <param name="Racks">The racks its accelerators sit in.</param>
/// <param name="AcceleratorIds">Its accelerators.</param>
public sealed record ExistingReplica(string Zone, IReadOnlyList<string> Racks, IReadOnlyList<string> AcceleratorIds);
