using ControlPlane.Contracts.V1;

namespace ControlPlane.HardwareAgents.Replicas;

/// <summary>
/// What runs model replicas on a node: loads and unloads them when the control plane says so, and
/// reports how each is doing. A real node would drive its inference server here; simulated nodes use
/// <see cref="SimulatedReplicaHost"/>.
/// </summary>
public interface IReplicaHost
{
    /// <summary>Starts loading a replica; answers at once, then reports LOADING and READY (or FAILED) through the reporter.</summary>
    CommandResult Load(string commandId, LoadReplica load);

    /// <summary>Stops serving a replica and frees it; reports UNLOADED.</summary>
    CommandResult Unload(string commandId, UnloadReplica unload);

    /// <summary>The current status of every replica on every accelerator, for a fresh connection and periodic reports.</summary>
    IReadOnlyList<ReplicaStatus> Statuses();

    /// <summary>Where status changes go (the agent's open stream); replaced on every connection.</summary>
    void AttachReporter(Func<ReplicaStatus, Task>? reporter);
}
