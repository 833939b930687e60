namespace ControlPlane.Grains.Accelerators;

/// <summary>Why a registration or heartbeat was refused, or that it was not.</summary>
public enum AcceleratorRefusal
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>The accelerator was never registered.</summary>
    NotRegistered,

    /// <summary>Another node owns the accelerator id.</summary>
    OwnedByAnotherNode,

    /// <summary>The accelerator is decommissioned.</summary>
    Decommissioned,

    /// <summary>A re-registration changed the hardware class or SKU of a known id.</summary>
    HardwareChanged,

    /// <summary>The lifecycle does not allow the move.</summary>
    IllegalTransition,

    /// <summary>A GPU uuid is already held by another accelerator.</summary>
    GpuClaimedElsewhere,

    /// <summary>An operator request id was already used for a different request.</summary>
    RequestIdReused,
}

/// <summary>The result of a call on an accelerator grain: the view after it, or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("cp.AcceleratorOutcome")]
public sealed record AcceleratorOutcome(
    [property: Id(0)] AcceleratorRefusal Refusal,
    [property: Id(1)] string Message,
    [property: Id(2)] AcceleratorView? View)
{
    /// <summary>Whether the call was accepted.</summary>
    public bool Accepted => Refusal == AcceleratorRefusal.None;

    /// <summary>An accepted outcome.</summary>
    public static AcceleratorOutcome Ok(AcceleratorView? view) => new(AcceleratorRefusal.None, "", view);

    /// <summary>A refused outcome.</summary>
    public static AcceleratorOutcome Refused(AcceleratorRefusal refusal, string message) => new(refusal, message, null);
}
