namespace ControlPlane.Placement.Deployments;

/// <summary>What a deployment promises a request of each latency class.</summary>
/// <param name="TimeToFirstToken">Most time from placement to the first output token for Interactive requests.</param>
/// <param name="MinTokensPerSecond">Least decode speed per stream for Interactive requests.</param>
/// <param name="LongHorizonCompletion">Most time a long-horizon job may take end to end (queueing excluded).</param>
public sealed record ServiceLevelObjective(TimeSpan TimeToFirstToken, double MinTokensPerSecond, TimeSpan LongHorizonCompletion);
