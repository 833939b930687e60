using ControlPlane.Contracts.V1;

namespace ControlPlane.HardwareAgents.Replicas;

/// <summary>
/// What runs model replicas on a node: loads and unloads them when the control plane says so, follows
/// drains, and reports how each replica is doing. A real node would drive its inference server here;
/// simulated nodes use <see cref="SimulatedReplicaHost"/>.
/// </summary>
public interface IReplicaHost
{
    /// <summary>Starts loading a replica; answers at once, then reports LOADING and READY (or FAILED) through the reporter.</summary>
    CommandResult Load(string commandId, LoadReplica load);

    /// <summary>Stops serving a replica and frees it; reports UNLOADED.</summary>
    CommandResult Unload(string commandId, UnloadReplica unload);

    /// <summary>Marks accelerators draining: reports <see cref="DrainProgress"/> now and each time one of their streams ends.</summary>
    CommandResult Drain(string commandId, DrainAccelerators drain);

    /// <summary>Ends the streams still running on the accelerators (a drain's deadline passed); reports no streams left.</summary>
    CommandResult Stop(string commandId, StopWork stop);

    /// <summary>Ends the draining mode of the accelerators.</summary>
    CommandResult Resume(string commandId, ResumeAccelerators resume);

    /// <summary>The current status of every replica on every accelerator, for a fresh connection and periodic reports.</summary>
    IReadOnlyList<ReplicaStatus> Statuses();

    /// <summary>Where replica statuses and drain progress go (the agent's open stream); replaced on every connection.</summary>
    void AttachReporter(Func<AgentMessage, Task>? reporter);
}

/// <summary>How one request served by a simulated replica ended.</summary>
public enum ServeOutcome
{
    /// <summary>Every output token was generated.</summary>
    Completed = 1,

    /// <summary>Not started: the replica is not ready here, or every slot is busy.</summary>
    Refused = 2,

    /// <summary>Ended early: a drain's deadline stopped the work (the gateway re-places the session).</summary>
    CutOver = 3,
}
