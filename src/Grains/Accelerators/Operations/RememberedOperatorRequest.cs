namespace ControlPlane.Grains.Accelerators.Operations;

/// <summary>An operator request an accelerator already acted on, so a retry returns the same outcome.</summary>
[GenerateSerializer, Immutable, Alias("cp.RememberedOperatorRequest")]
public sealed record RememberedOperatorRequest(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] AcceleratorRefusal Refusal,
    [property: Id(3)] string Message);
