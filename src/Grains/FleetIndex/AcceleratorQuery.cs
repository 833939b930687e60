using ControlPlane.Grains.Accelerators;
using ControlPlane.Placement.Hardware;

namespace ControlPlane.Grains.FleetIndex;

/// <summary>A filtered, id-ordered page request over the fleet index. Null filters match anything.</summary>
[GenerateSerializer, Immutable, Alias("cp.AcceleratorQuery")]
public sealed record AcceleratorQuery(
    [property: Id(0)] HardwareClass? HardwareClass,
    [property: Id(1)] string? Pool,
    [property: Id(2)] AcceleratorState? State,
    [property: Id(3)] string? NodeId,
    [property: Id(4)] string? AfterAcceleratorId,
    [property: Id(5)] int Limit)
{
    /// <summary>Whether <paramref name="view"/> passes the filters (not the paging).</summary>
    public bool Matches(AcceleratorView view) =>
        (HardwareClass is null || view.Registration.HardwareClass == HardwareClass)
        && (Pool is null || string.Equals(view.Registration.Pool, Pool, StringComparison.Ordinal))
        && (State is null || view.State == State)
        && (NodeId is null || string.Equals(view.Registration.NodeId, NodeId, StringComparison.Ordinal));
}

/// <summary>One page of matching accelerators, ordered by id, and how many match in all.</summary>
[GenerateSerializer, Immutable, Alias("cp.AcceleratorPage")]
public sealed record AcceleratorPage(
    [property: Id(0)] IReadOnlyList<AcceleratorView> Accelerators,
    [property: Id(1)] int TotalMatching,
    [property: Id(2)] bool HasMore);
