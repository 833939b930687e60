using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;

namespace ControlPlane.Placement.Routing;

/// <summary>What every policy needs to know about the request being placed, worked out once per decision.</summary>
/// <param name="Request">The request.</param>
/// <param name="Deployment">The deployment's spec.</param>
/// <param name="LatencyClass">The resolved latency class.</param>
/// <param name="ExpectedOutputTokens">The resolved expected output length.</param>
/// <param name="PreferredClass">The hardware class this latency class belongs on: wafers for Interactive, GPUs for LongHorizon.</param>
/// <param name="WaferUtilization">Share of the deployment's wafer slots reserved now, 0..1 (wafer capacity's scarcity).</param>
/// <param name="StickyReplica">The session's sticky replica, when the index still holds it.</param>
public readonly record struct PlacementContext(
    PlacementRequest Request,
    DeploymentSpec Deployment,
    LatencyClass LatencyClass,
    int ExpectedOutputTokens,
    HardwareClass PreferredClass,
    double WaferUtilization,
    RoutableReplica? StickyReplica = null)
{
    /// <summary>Prompt plus expected output, the context the request will hold.</summary>
    public int ContextTokens => Request.PromptTokens + ExpectedOutputTokens;
}

/// <summary>What the performance model predicts for the request on one candidate replica.</summary>
/// <param name="TimeToFirstTokenSeconds">Predicted TTFT if placed there now.</param>
/// <param name="TokensPerSecond">Predicted decode speed of the stream there.</param>
/// <param name="CompletionSeconds">Predicted end-to-end time.</param>
public readonly record struct ReplicaPrediction(double TimeToFirstTokenSeconds, double TokensPerSecond, double CompletionSeconds)
{
    /// <summary>Predicts <paramref name="context"/>'s request on <paramref name="replica"/> with one more stream than now.</summary>
    public static ReplicaPrediction For(in PlacementContext context, RoutableReplica replica) =>
        For(context, replica.Performance, replica.ActiveStreams);

    /// <summary>Predicts <paramref name="context"/>'s request on a replica of <paramref name="performance"/> already running <paramref name="activeStreams"/>.</summary>
    public static ReplicaPrediction For(in PlacementContext context, in ReplicaPerformance performance, int activeStreams)
    {
        var streams = activeStreams + 1;
        var tokensPerSecond = performance.TokensPerSecondPerStream(streams);
        var ttft = performance.TimeToFirstTokenSeconds(context.Request.PromptTokens, streams);
        return new ReplicaPrediction(ttft, tokensPerSecond, ttft + Math.Max(0, context.ExpectedOutputTokens - 1) / tokensPerSecond);
    }

    /// <summary>Whether this prediction meets the deployment's SLO for the request's latency class.</summary>
    public bool MeetsSlo(in PlacementContext context)
    {
        var slo = context.Deployment.Slo;
        return context.LatencyClass == LatencyClass.Interactive
            ? TimeToFirstTokenSeconds <= slo.TimeToFirstToken.TotalSeconds && TokensPerSecond >= slo.MinTokensPerSecond
            : CompletionSeconds <= slo.LongHorizonCompletion.TotalSeconds;
    }
}
