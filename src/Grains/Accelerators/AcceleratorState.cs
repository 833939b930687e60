namespace ControlPlane.Grains.Accelerators;

/// <summary>Lifecycle of one accelerator; see <see cref="AcceleratorLifecycle"/> for the legal moves.</summary>
public enum AcceleratorState
{
    /// <summary>Never registered (or an unknown id).</summary>
    Unregistered = 0,

    /// <summary>Registered; waiting for the first heartbeat on the node's stream.</summary>
    Registering = 1,

    /// <summary>Heartbeating within its lease and schedulable.</summary>
    Active = 2,

    /// <summary>Its lease expired: the node stopped heartbeating.</summary>
    Lost = 3,

    /// <summary>An operator stopped new placements; existing work is untouched.</summary>
    Cordoned = 4,

    /// <summary>Cordoned, with existing work moving away.</summary>
    Draining = 5,

    /// <summary>No work left after a drain.</summary>
    Drained = 6,

    /// <summary>Removed from the fleet for good; its agent is refused.</summary>
    Decommissioned = 7,
}
