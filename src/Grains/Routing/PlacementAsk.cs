using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Grains.Routing;

/// <summary>The serialisable form of a <see cref="PlacementRequest"/>, as the session grain sends it to a router.</summary>
[GenerateSerializer, Immutable, Alias("cp.PlacementAsk")]
public sealed record PlacementAsk(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string Plan,
    [property: Id(3)] string Deployment,
    [property: Id(4)] ReasoningEffort Effort,
    [property: Id(5)] int PromptTokens,
    [property: Id(6)] int ExpectedOutputTokens,
    [property: Id(7)] LatencyClass? LatencyClassOverride,
    [property: Id(8)] string? StickyReplicaId,
    [property: Id(9)] int ExhaustedPoolBits,
    [property: Id(10)] int Priority = 0)
{
    /// <summary>The engine's request.</summary>
    public PlacementRequest ToRequest() => new(
        SessionId, TenantId, Plan, Deployment, Effort, PromptTokens, ExpectedOutputTokens, LatencyClassOverride, StickyReplicaId, new HardwareClassSet(ExhaustedPoolBits));
}
