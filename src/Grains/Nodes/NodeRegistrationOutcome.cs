using ControlPlane.Grains.Accelerators;

namespace ControlPlane.Grains.Nodes;

/// <summary>
/// The result of a node's registration: every accelerator registered, or none of them and the first
/// refusal (which accelerator, and why).
/// </summary>
[GenerateSerializer, Immutable, Alias("cp.NodeRegistrationOutcome")]
public sealed record NodeRegistrationOutcome(
    [property: Id(0)] IReadOnlyList<AcceleratorView> Accelerators,
    [property: Id(1)] AcceleratorRefusal Refusal,
    [property: Id(2)] int RefusedIndex,
    [property: Id(3)] string Message)
{
    /// <summary>Whether every accelerator was registered.</summary>
    public bool Accepted => Refusal == AcceleratorRefusal.None;
}
