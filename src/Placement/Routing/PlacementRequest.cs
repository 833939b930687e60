using ControlPlane.Placement.Deployments;

namespace ControlPlane.Placement.Routing;

/// <summary>One request for a placement (DESIGN.md §6 flow 3), validated at the API boundary.</summary>
/// <param name="SessionId">The session asking.</param>
/// <param name="TenantId">Who pays.</param>
/// <param name="Plan">The tenant's plan.</param>
/// <param name="Deployment">The deployment to serve it.</param>
/// <param name="Effort">Reasoning effort, which sets the expected output length.</param>
/// <param name="PromptTokens">Prompt size hint (0 when unknown).</param>
/// <param name="ExpectedOutputTokens">Output size hint (0 when unknown: the effort decides).</param>
/// <param name="LatencyClassOverride">An explicit latency class, winning over every hint.</param>
/// <param name="StickyReplicaId">The replica the session last used (its KV/prefix cache lives there).</param>
/// <param name="ExhaustedPools">Hardware classes whose rate limit the tenant has used up.</param>
public sealed record PlacementRequest(
    string SessionId,
    string TenantId,
    string Plan,
    string Deployment,
    ReasoningEffort Effort = ReasoningEffort.Unspecified,
    int PromptTokens = 0,
    int ExpectedOutputTokens = 0,
    LatencyClass? LatencyClassOverride = null,
    string? StickyReplicaId = null,
    HardwareClassSet ExhaustedPools = default);
