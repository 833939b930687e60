namespace ControlPlane.Grains.Accelerators.Operations;

/// <summary>What an infra operator can do to an accelerator (DESIGN.md §6 flow 4).</summary>
public enum OperatorAction
{
    /// <summary>No new placements or replicas; work already there is untouched.</summary>
    Cordon = 1,

    /// <summary>Lifts a cordon.</summary>
    Uncordon = 2,

    /// <summary>Cordons, then empties the accelerator; see <see cref="DrainRecord"/>.</summary>
    Drain = 3,

    /// <summary>Returns a cordoned, draining or drained accelerator to service.</summary>
    Resume = 4,

    /// <summary>Removes a drained (or unused, or lost) accelerator for good.</summary>
    Decommission = 5,

    /// <summary>Lets a decommissioned accelerator register again, as new hardware.</summary>
    Readd = 6,
}
