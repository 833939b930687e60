using Orleans.Concurrency;

namespace ControlPlane.Grains.Nodes;

/// <summary>
/// The silo-side end of a node's open stream. The host that holds the stream attaches it to the node's
/// grain, so a command issued on any silo reaches the stream wherever it lives.
/// </summary>
public interface INodeCommandObserver : IGrainObserver
{
    /// <summary>Writes <paramref name="command"/> to the stream and waits for the agent's answer.</summary>
    Task<CommandOutcome> ExecuteAsync(NodeCommand command, TimeSpan timeout);

    /// <summary>
    /// A newer stream of the same node took over its commands: this one closes, so that exactly one
    /// stream (the newest) carries the node's commands and an agent on the old one reconnects.
    /// </summary>
    [OneWay]
    Task SupersedeAsync(Guid newerConnectionId);
}
