namespace ControlPlane.Placement.Replicas;

/// <summary>The thresholds reconciling works with.</summary>
/// <param name="ScaleOutUtilization">Add a replica when this share of the serving replicas' slots is reserved.</param>
/// <param name="ScaleInUtilization">Retire one above the desired count when the rest would stay under this share.</param>
/// <param name="ReplicaLoadTimeout">A replica loading for longer than this is failed and replaced.</param>
/// <param name="PlacementLease">A retiring replica goes after this long even if placements still hold slots on it (they have outlived their lease).</param>
public sealed record ReconcileSettings(
    double ScaleOutUtilization,
    double ScaleInUtilization,
    TimeSpan ReplicaLoadTimeout,
    TimeSpan PlacementLease);
