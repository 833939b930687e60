namespace ControlPlane.Placement.Replicas;

/// <summary>Where a replica is in its life.</summary>
public enum ReplicaState
{
    /// <summary>Devices held; the load command is on its way or the weights are loading.</summary>
    Loading = 1,

    /// <summary>The agent reported the model loaded and serving.</summary>
    Ready = 2,

    /// <summary>The agent could not load it, or its hardware was lost; it will be replaced.</summary>
    Failed = 3,

    /// <summary>Being removed (scale-down or delete).</summary>
    Unloading = 4,

    /// <summary>Scaled down: takes no new turns, and is unloaded once the work running on it is done.</summary>
    Retiring = 5,
}
