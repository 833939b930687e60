namespace ControlPlane.Grains.Accelerators.Operations;

/// <summary>A drain as callers see it: its terms and what it still waits for.</summary>
[GenerateSerializer, Immutable, Alias("cp.DrainStatus")]
public sealed record DrainStatus(
    [property: Id(0)] string Reason,
    [property: Id(1)] string RequestedBy,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] DateTimeOffset? Deadline,
    [property: Id(4)] bool Force,
    [property: Id(5)] int RemainingPlacements,
    [property: Id(6)] int RemainingStreams,
    [property: Id(7)] IReadOnlyList<string> WaitingFor,
    [property: Id(8)] DateTimeOffset? CompletedAt,
    [property: Id(9)] int CutPlacements);
