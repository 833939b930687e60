using ControlPlane.Simulator.Faults;

namespace ControlPlane.Simulator.Engine;

/// <summary>Kinds of scheduled events.</summary>
internal enum SimEventKind
{
    /// <summary>A running request finishes.</summary>
    Completion,

    /// <summary>A queued request has waited as long as it may.</summary>
    QueueTimeout,

    /// <summary>An agentic job's next turn arrives.</summary>
    JobTurn,

    /// <summary>A fault hits.</summary>
    Fault,

    /// <summary>Deployments that scale on load work out their replica count.</summary>
    Reconcile,

    /// <summary>A replica added by scaling has loaded its weights and serves.</summary>
    ReplicaLoaded,
}

/// <summary>A scheduled event.</summary>
internal sealed record SimEvent(SimEventKind Kind, Running? Running, Pending? Pending, string? JobId, FaultSpec? Fault, SimReplica? Replica = null);
