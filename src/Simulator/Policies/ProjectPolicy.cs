using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Policies;

/// <summary>
/// The control plane's own policy: the same <see cref="PlacementEngine"/> and pipeline the routers run
/// (filter, score, pick, with session affinity, spillover only within the SLO, and queueing).
/// </summary>
internal sealed class ProjectPolicy(string name, PlacementEngine engine) : IRoutingPolicy
{
    /// <inheritdoc />
    public string Name => name;

    /// <inheritdoc />
    public PolicyChoice Choose(SimRequest request, string? stickyReplicaId, DeploymentRoutes routes)
    {
        // The gateway passes the request's size (max_tokens) and the workload's latency class.
        var decision = engine.Decide(new PlacementRequest(request.SessionId, request.TenantId, "sim", request.Deployment, Placement.Deployments.ReasoningEffort.Unspecified,
            request.PromptTokens, request.OutputTokens, request.LatencyClass, stickyReplicaId), routes);
        return decision.Outcome switch
        {
            PlacementOutcome.Placed => PolicyChoice.On(decision.Ranked[0].Replica),
            _ when decision.Reason == RejectionReason.NoCapacity => PolicyChoice.Wait(),
            _ => PolicyChoice.Refuse(decision.Reason),
        };
    }
}
