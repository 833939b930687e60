namespace ControlPlane.Grains.Accelerators;

/// <summary>What can happen to an accelerator; the input of <see cref="AcceleratorLifecycle"/>.</summary>
public enum LifecycleTrigger
{
    /// <summary>The node's agent registered the accelerator.</summary>
    Register,

    /// <summary>Telemetry arrived within or after the lease.</summary>
    Heartbeat,

    /// <summary>The lease ran out without a heartbeat.</summary>
    LeaseExpired,

    /// <summary>An operator stopped new placements.</summary>
    Cordon,

    /// <summary>An operator lifted a cordon.</summary>
    Uncordon,

    /// <summary>An operator asked for the accelerator to be emptied.</summary>
    Drain,

    /// <summary>The last work left a draining accelerator.</summary>
    DrainCompleted,

    /// <summary>An operator returned a cordoned, draining or drained accelerator to service.</summary>
    Resume,

    /// <summary>An operator removed the accelerator from the fleet.</summary>
    Decommission,

    /// <summary>An operator let a decommissioned accelerator register again.</summary>
    Readd,
}
