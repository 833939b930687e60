using ControlPlane.Placement.Deployments;

namespace ControlPlane.Simulator.Workloads;

/// <summary>One request (one turn of a session) to replay.</summary>
/// <param name="Id">Unique within the run, in arrival order of the source.</param>
/// <param name="ArrivalSeconds">Virtual arrival time.</param>
/// <param name="SessionId">The session (a trace request is a session of its own unless the trace says otherwise).</param>
/// <param name="TenantId">Who pays; queues are fair between tenants.</param>
/// <param name="PromptTokens">Input tokens, the shared prefix included.</param>
/// <param name="OutputTokens">Tokens generated.</param>
/// <param name="PrefixBlocks">Ids of the prompt's 512-token blocks, in order; a replica that holds the leading ones skips their prefill.</param>
/// <param name="LatencyClass">Interactive or long-horizon, by the workload's rule.</param>
/// <param name="Deployment">The deployment that serves it.</param>
/// <param name="Source">The workload it came from (for reports).</param>
internal sealed record SimRequest(
    long Id,
    double ArrivalSeconds,
    string SessionId,
    string TenantId,
    int PromptTokens,
    int OutputTokens,
    long[] PrefixBlocks,
    LatencyClass LatencyClass,
    string Deployment,
    string Source)
{
    /// <summary>Tokens per prefix block (Mooncake's block size).</summary>
    public const int BlockTokens = 512;
}
