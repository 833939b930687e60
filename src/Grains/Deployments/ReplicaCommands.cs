using ControlPlane.Grains.Nodes;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Grains.Deployments;

/// <summary>
/// Sends one deployment's load and unload commands to the nodes of its replicas, and remembers when each
/// load went out, so a replica still loading is asked again after a command timeout (its node may not have
/// had a stream open, or may have restarted). Used by the deployment grain, on its turn.
/// </summary>
internal sealed partial class ReplicaCommands(
    string deployment,
    IGrainFactory grains,
    ReplicaPredictor predictor,
    TimeSpan commandTimeout,
    TimeProvider time,
    ILogger logger)
{
    private readonly Dictionary<string, DateTimeOffset> _loadSentAt = new(StringComparer.Ordinal);

    /// <summary>Whether a loading replica's load command should go (again): never sent, or unanswered for a command timeout.</summary>
    public bool LoadDue(ReplicaRecord replica) =>
        !_loadSentAt.TryGetValue(replica.ReplicaId, out var sentAt) || time.GetUtcNow() - sentAt >= commandTimeout;

    /// <summary>
    /// Tells every node of <paramref name="replica"/> to load it, and notes on the replica a node that did not
    /// acknowledge. Callers do not await it: the agent reports progress through its stream, and that report
    /// must be able to reach the grain while the acknowledgement is still on its way.
    /// </summary>
    public async Task LoadAsync(ReplicaRecord replica, DeploymentDefinition definition)
    {
        _loadSentAt[replica.ReplicaId] = time.GetUtcNow();
        await Task.Yield(); // let the caller's turn finish first
        var shape = definition.ToSpec().Shape;
        var performance = predictor.Predict(shape, replica.Sku, replica.DevicesPerAccelerator, replica.AcceleratorIds.Count) ?? default;
        var outcomes = await Task.WhenAll(ByNode(replica).Select(async group =>
        {
            var command = new NodeCommand($"load-{replica.ReplicaId}-{Guid.NewGuid():N}", NodeCommandKind.LoadReplica, time.GetUtcNow(), "", null,
                new ReplicaCommand(replica.ReplicaId, deployment, definition.Model, shape.WeightsBytes, group.AcceleratorIds, replica.Slots,
                    performance.SingleStreamTokensPerSecond, performance.BatchSlowdown, performance.PrefillTokensPerSecond,
                    TimeSpan.FromSeconds(performance.FirstTokenOverheadSeconds)));
            return (group.NodeId, Outcome: await grains.GetGrain<INodeGrain>(group.NodeId).SendCommandAsync(command, commandTimeout));
        }));

        var failed = outcomes.Where(o => !o.Outcome.Success).ToArray();
        if (failed.Length > 0)
        {
            replica.Message = $"load command not acknowledged by node {failed[0].NodeId}: {failed[0].Outcome.Message}";
            replica.LoadProblem = replica.State == ReplicaState.Loading ? replica.Message : "";
            LogLoadNotAcknowledged(logger, deployment, replica.ReplicaId, replica.Message);
        }
        else
        {
            replica.LoadProblem = "";
        }
    }

    /// <summary>
    /// Tells every node of <paramref name="replica"/> to unload it, without waiting: an agent that is down
    /// unloads nothing anyway, and a returning agent is told again if it still serves the replica.
    /// </summary>
    public void Unload(ReplicaRecord replica)
    {
        _loadSentAt.Remove(replica.ReplicaId);
        foreach (var group in ByNode(replica))
        {
            grains.GetGrain<INodeGrain>(group.NodeId).SendCommandAsync(
                new NodeCommand($"unload-{replica.ReplicaId}-{Guid.NewGuid():N}", NodeCommandKind.UnloadReplica, time.GetUtcNow(), "", null,
                    new ReplicaCommand(replica.ReplicaId, deployment, "", 0, group.AcceleratorIds, 0, 0, 0)),
                commandTimeout).Ignore();
        }
    }

    private static IEnumerable<(string NodeId, IReadOnlyList<string> AcceleratorIds)> ByNode(ReplicaRecord replica) =>
        replica.NodeIds.Zip(replica.AcceleratorIds)
            .GroupBy(p => p.First, p => p.Second)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.ToArray()));

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} load not acknowledged ({Message})")]
    private static partial void LogLoadNotAcknowledged(ILogger logger, string deployment, string replicaId, string message);
}
