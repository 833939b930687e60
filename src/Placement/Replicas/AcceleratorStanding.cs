namespace ControlPlane.Placement.Replicas;

/// <summary>What an accelerator's state means for the replicas on it.</summary>
public enum AcceleratorStanding
{
    /// <summary>Active and not cordoned: its replicas serve and count.</summary>
    Schedulable,

    /// <summary>Cordoned or draining: its replicas finish their work but take no new sessions, so they do not count.</summary>
    Unschedulable,

    /// <summary>Lost, drained or decommissioned: its replicas are removed and replaced.</summary>
    Gone,
}

/// <summary>An accelerator as reconciling sees it.</summary>
/// <param name="Standing">What its state means for its replicas.</param>
/// <param name="State">Its state's name, for the operator (e.g. <c>Lost</c>).</param>
public readonly record struct AcceleratorCondition(AcceleratorStanding Standing, string State);
