using ControlPlane.Grains.Accelerators;
using Orleans.Concurrency;

namespace ControlPlane.Grains.Nodes;

/// <summary>One inference node (the host an agent runs on), keyed by node id: owns accelerators, routes commands.</summary>
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers all of the node's accelerators, or none: every accelerator is checked before any is
    /// written, so a refused request leaves the fleet as it was.
    /// </summary>
    Task<NodeRegistrationOutcome> RegisterAsync(IReadOnlyList<AcceleratorRegistration> accelerators, string agentVersion);

    /// <summary>Ids of the accelerators the node registered.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> GetAcceleratorIdsAsync();

    /// <summary>
    /// Routes this node's commands to <paramref name="observer"/> (its newly opened stream). The newest
    /// stream owns the node: a stream attached before it is told to close.
    /// </summary>
    Task AttachAsync(Guid connectionId, INodeCommandObserver observer);

    /// <summary>Stops routing to the stream <paramref name="connectionId"/>, unless a newer one replaced it.</summary>
    Task DetachAsync(Guid connectionId);

    /// <summary>Sends <paramref name="command"/> down the node's stream and waits up to <paramref name="timeout"/> for the answer.</summary>
    [AlwaysInterleave]
    Task<CommandOutcome> SendCommandAsync(NodeCommand command, TimeSpan timeout);
}
