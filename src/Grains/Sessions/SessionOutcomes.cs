using ControlPlane.Grains.Routing;
using ControlPlane.Placement.Hardware;

namespace ControlPlane.Grains.Sessions;

/// <summary>Why a session call was refused, or that it was not.</summary>
public enum SessionRefusal
{
    /// <summary>Accepted.</summary>
    None = 0,

    /// <summary>The session belongs to another tenant.</summary>
    OwnedByAnotherTenant,

    /// <summary>The placement id is not one of the session's (never made, or expired and pruned).</summary>
    UnknownPlacement,
}

/// <summary>A request for a placement, as the API hands it to the session.</summary>
[GenerateSerializer, Immutable, Alias("cp.SessionPlaceRequest")]
public sealed record SessionPlaceRequest(
    [property: Id(0)] PlacementAsk Ask,
    [property: Id(1)] bool DryRun);

/// <summary>What a session's Place returns.</summary>
[GenerateSerializer, Immutable, Alias("cp.SessionPlaceOutcome")]
public sealed record SessionPlaceOutcome(
    [property: Id(0)] SessionRefusal Refusal,
    [property: Id(1)] string Message,
    [property: Id(2)] PlacementResult? Result);

/// <summary>What a session's Complete returns.</summary>
[GenerateSerializer, Immutable, Alias("cp.CompletionOutcome")]
public sealed record CompletionOutcome(
    [property: Id(0)] SessionRefusal Refusal,
    [property: Id(1)] string Message,
    [property: Id(2)] bool AlreadyCompleted,
    [property: Id(3)] HardwareClass HardwareClass,
    [property: Id(4)] long WaferTokens,
    [property: Id(5)] long GpuTokens);
