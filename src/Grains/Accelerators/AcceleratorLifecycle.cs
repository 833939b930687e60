namespace ControlPlane.Grains.Accelerators;

/// <summary>
/// Where an accelerator stands: its visible state, and for a Lost accelerator the operator state
/// (Cordoned, Draining, Drained) it returns to when its node comes back, so a lost lease never
/// silently undoes an operator's decision.
/// </summary>
/// <param name="State">The visible lifecycle state.</param>
/// <param name="HeldState">While Lost: the operator state to restore on reconnect, else <see cref="AcceleratorState.Unregistered"/>.</param>
[GenerateSerializer, Immutable, Alias("cp.LifecyclePosition")]
public readonly record struct LifecyclePosition(
    [property: Id(0)] AcceleratorState State,
    [property: Id(1)] AcceleratorState HeldState = AcceleratorState.Unregistered);

/// <summary>The outcome of applying a trigger: the new position, or why the move is illegal.</summary>
/// <param name="Allowed">Whether the trigger is legal in the current state.</param>
/// <param name="To">The position after the trigger (unchanged when not allowed).</param>
/// <param name="Error">Why the trigger is illegal, in words an operator can act on.</param>
public readonly record struct LifecycleTransition(bool Allowed, LifecyclePosition To, string? Error)
{
    /// <summary>Whether the visible state changes.</summary>
    public bool ChangesStateFrom(LifecyclePosition current) => Allowed && To.State != current.State;
}

/// <summary>
/// The accelerator state machine, as a pure function (DESIGN.md §6): agents drive
/// Registering -> Active -> Lost -> Active; operators drive Cordoned/Draining/Drained/Decommissioned.
/// </summary>
public static class AcceleratorLifecycle
{
    /// <summary>Applies <paramref name="trigger"/> to <paramref name="current"/>.</summary>
    public static LifecycleTransition Apply(LifecyclePosition current, LifecycleTrigger trigger) =>
        Next(current, trigger) is { } position
            ? new LifecycleTransition(true, position, null)
            : new LifecycleTransition(false, current, Explain(current.State, trigger));

    /// <summary>The triggers legal in <paramref name="position"/>, for error messages and docs.</summary>
    public static IReadOnlyList<LifecycleTrigger> AllowedTriggers(LifecyclePosition position) =>
        Enum.GetValues<LifecycleTrigger>().Where(t => Next(position, t) is not null).ToArray();

    // The transition table; null means the trigger is illegal in that state.
    private static LifecyclePosition? Next(LifecyclePosition current, LifecycleTrigger trigger)
    {
        var state = current.State;
        return (state, trigger) switch
        {
            (AcceleratorState.Unregistered, LifecycleTrigger.Register) => Visible(AcceleratorState.Registering),

            (AcceleratorState.Registering, LifecycleTrigger.Register) => current,
            (AcceleratorState.Registering, LifecycleTrigger.Heartbeat) => Visible(AcceleratorState.Active),
            (AcceleratorState.Registering, LifecycleTrigger.Cordon) => Visible(AcceleratorState.Cordoned),
            (AcceleratorState.Registering, LifecycleTrigger.Drain) => Visible(AcceleratorState.Draining),

            (AcceleratorState.Active, LifecycleTrigger.Register or LifecycleTrigger.Heartbeat) => current,
            (AcceleratorState.Active, LifecycleTrigger.Cordon) => Visible(AcceleratorState.Cordoned),
            (AcceleratorState.Active, LifecycleTrigger.Drain) => Visible(AcceleratorState.Draining),

            (AcceleratorState.Lost, LifecycleTrigger.Register) => Restore(current, AcceleratorState.Registering),
            (AcceleratorState.Lost, LifecycleTrigger.Heartbeat) => Restore(current, AcceleratorState.Active),
            (AcceleratorState.Lost, LifecycleTrigger.LeaseExpired) => current,
            (AcceleratorState.Lost, LifecycleTrigger.Cordon) => current with { HeldState = AcceleratorState.Cordoned },
            (AcceleratorState.Lost, LifecycleTrigger.Drain)
                when current.HeldState is AcceleratorState.Unregistered or AcceleratorState.Cordoned => current with { HeldState = AcceleratorState.Draining },
            (AcceleratorState.Lost, LifecycleTrigger.Resume or LifecycleTrigger.Uncordon)
                when current.HeldState != AcceleratorState.Unregistered => current with { HeldState = AcceleratorState.Unregistered },

            (AcceleratorState.Cordoned, LifecycleTrigger.Register or LifecycleTrigger.Heartbeat) => current,
            (AcceleratorState.Cordoned, LifecycleTrigger.Uncordon or LifecycleTrigger.Resume) => Visible(AcceleratorState.Active),
            (AcceleratorState.Cordoned, LifecycleTrigger.Drain) => Visible(AcceleratorState.Draining),

            (AcceleratorState.Draining, LifecycleTrigger.Register or LifecycleTrigger.Heartbeat) => current,
            (AcceleratorState.Draining, LifecycleTrigger.DrainCompleted) => Visible(AcceleratorState.Drained),
            (AcceleratorState.Draining, LifecycleTrigger.Resume) => Visible(AcceleratorState.Active),

            (AcceleratorState.Drained, LifecycleTrigger.Register or LifecycleTrigger.Heartbeat) => current,
            (AcceleratorState.Drained, LifecycleTrigger.Resume) => Visible(AcceleratorState.Active),

            // A lease that runs out holds the operator's decision for when the node returns.
            (AcceleratorState.Registering or AcceleratorState.Active, LifecycleTrigger.LeaseExpired) => Visible(AcceleratorState.Lost),
            (AcceleratorState.Cordoned or AcceleratorState.Draining or AcceleratorState.Drained, LifecycleTrigger.LeaseExpired)
                => new LifecyclePosition(AcceleratorState.Lost, state),

            // Decommission needs an empty accelerator: drained, never used, or gone.
            (AcceleratorState.Registering or AcceleratorState.Cordoned or AcceleratorState.Drained or AcceleratorState.Lost,
                LifecycleTrigger.Decommission) => Visible(AcceleratorState.Decommissioned),

            // Re-adding forgets the old identity: the next node to register the id starts afresh.
            (AcceleratorState.Decommissioned, LifecycleTrigger.Readd) => Visible(AcceleratorState.Unregistered),

            // A decommissioned accelerator has no lease to lose.
            (AcceleratorState.Decommissioned, LifecycleTrigger.LeaseExpired) => current,
            (AcceleratorState.Unregistered, LifecycleTrigger.LeaseExpired) => current,

            _ => null,
        };
    }

    private static LifecyclePosition Visible(AcceleratorState state) => new(state);

    private static LifecyclePosition Restore(LifecyclePosition lost, AcceleratorState otherwise) =>
        new(lost.HeldState == AcceleratorState.Unregistered ? otherwise : lost.HeldState);

    private static string Explain(AcceleratorState state, LifecycleTrigger trigger) => (state, trigger) switch
    {
        (_, LifecycleTrigger.Readd) => $"only a decommissioned accelerator can be added back; this one is {state}",
        (AcceleratorState.Unregistered, _) => $"cannot {Verb(trigger)} an accelerator that is not registered; its node must call Register first",
        (AcceleratorState.Decommissioned, LifecycleTrigger.Register or LifecycleTrigger.Heartbeat) =>
            "the accelerator is decommissioned; an operator must add it back before its agent can register it",
        (AcceleratorState.Draining, LifecycleTrigger.Decommission) =>
            "cannot decommission an accelerator while it is draining; wait until it is Drained",
        (AcceleratorState.Active, LifecycleTrigger.Decommission) =>
            "cannot decommission an Active accelerator; drain it first",
        (AcceleratorState.Draining or AcceleratorState.Drained, LifecycleTrigger.Drain) =>
            $"the accelerator is already {state}; resume it first to start a new drain",
        (AcceleratorState.Decommissioned, _) =>
            $"the accelerator is decommissioned; it cannot {Verb(trigger)}; add it back first (readd)",
        _ => $"cannot {Verb(trigger)} an accelerator that is {state}; allowed here: {string.Join(", ", AllowedTriggers(new LifecyclePosition(state)).Select(Verb))}",
    };

    private static string Verb(LifecycleTrigger trigger) => trigger switch
    {
        LifecycleTrigger.Register => "register",
        LifecycleTrigger.Heartbeat => "heartbeat",
        LifecycleTrigger.LeaseExpired => "expire the lease of",
        LifecycleTrigger.Cordon => "cordon",
        LifecycleTrigger.Uncordon => "uncordon",
        LifecycleTrigger.Drain => "drain",
        LifecycleTrigger.DrainCompleted => "complete the drain of",
        LifecycleTrigger.Resume => "resume",
        LifecycleTrigger.Decommission => "decommission",
        LifecycleTrigger.Readd => "add back",
        _ => trigger.ToString(),
    };
}
