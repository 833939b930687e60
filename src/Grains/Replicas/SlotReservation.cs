namespace ControlPlane.Grains.Replicas;

/// <summary>Why a slot reservation was refused, or that it was not.</summary>
public enum SlotRefusal
{
    /// <summary>Granted.</summary>
    None = 0,

    /// <summary>Every slot of the replica is reserved (the router's view was stale).</summary>
    Full,

    /// <summary>The accelerator does not host the replica (any more), or is not its primary.</summary>
    UnknownReplica,

    /// <summary>The accelerator is cordoned, draining, lost or not active.</summary>
    NotSchedulable,
}

/// <summary>The answer to a slot reservation, with the replica's authoritative load after it.</summary>
[GenerateSerializer, Immutable, Alias("cp.SlotReservationOutcome")]
public sealed record SlotReservationOutcome(
    [property: Id(0)] SlotRefusal Refusal,
    [property: Id(1)] int ActiveStreams,
    [property: Id(2)] int Slots,
    [property: Id(3)] DateTimeOffset LeaseExpiresAt)
{
    /// <summary>Whether the slot is held.</summary>
    public bool Granted => Refusal == SlotRefusal.None;
}

/// <summary>The answer to hosting a replica's devices on an accelerator.</summary>
public enum HostingRefusal
{
    /// <summary>Hosted.</summary>
    None = 0,

    /// <summary>Not enough free devices.</summary>
    NoRoom,

    /// <summary>Not schedulable (cordoned, draining, lost, decommissioned).</summary>
    NotSchedulable,

    /// <summary>Never registered.</summary>
    NotRegistered,
}
