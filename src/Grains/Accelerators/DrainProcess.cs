using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Replicas;

namespace ControlPlane.Grains.Accelerators;

/// <summary>What the accelerator grain must do next for its drain.</summary>
public enum DrainAction
{
    /// <summary>Nothing: no drain in progress, or not one this accelerator can act on now.</summary>
    None,

    /// <summary>Still waiting (for deployments to let replicas go, or for work to finish).</summary>
    Wait,

    /// <summary>Ask the deployments of <see cref="DrainStep.AskFor"/> whether their replicas may go.</summary>
    AskDeployments,

    /// <summary>The deadline passed: cut over what is left, tell the agent to stop its work, and complete.</summary>
    CutOver,

    /// <summary>The node is gone (Lost) and the deadline passed: cut what is left; it returns Drained.</summary>
    FinishWhileLost,

    /// <summary>No work is left: the accelerator is Drained.</summary>
    Complete,

    /// <summary>Nothing is left here: count the placements held on the primaries of replicas this accelerator is a secondary of, and ask again.</summary>
    CountWorkElsewhere,
}

/// <summary>One decision of the drain process.</summary>
/// <param name="Action">What to do.</param>
/// <param name="StartMovingWork">Work may start moving away now (the operator API never said go and the start grace passed): set <see cref="DrainRecord.MovingWork"/>.</param>
/// <param name="AskFor">Replicas whose deployments to ask, for <see cref="DrainAction.AskDeployments"/>.</param>
/// <param name="Reason">Why, for the state reason and the agent.</param>
public sealed record DrainStep(DrainAction Action, bool StartMovingWork = false, IReadOnlyList<string>? AskFor = null, string Reason = "");

/// <summary>What the accelerator knows when its drain moves on.</summary>
/// <param name="Lifecycle">Its lifecycle position.</param>
/// <param name="Drain">The drain, if any.</param>
/// <param name="Hosted">Replicas it hosts.</param>
/// <param name="Reservations">Placements holding slots on it.</param>
/// <param name="RemainingStreams">Streams still running on the node (the agent's count during a drain, else telemetry).</param>
/// <param name="WorkElsewhere">Placements held by primaries of replicas this accelerator is a secondary of; null when not counted for this step (counting asks other grains, so it is done only when nothing else is left).</param>
/// <param name="LastAskedAt">When deployments were last asked to release replicas.</param>
/// <param name="Now">The clock.</param>
public readonly record struct DrainFacts(
    LifecyclePosition Lifecycle,
    DrainRecord? Drain,
    IReadOnlyCollection<HostedReplica> Hosted,
    int Reservations,
    int RemainingStreams,
    int? WorkElsewhere,
    DateTimeOffset LastAskedAt,
    DateTimeOffset Now);

/// <summary>
/// The drain, as a pure process: a draining accelerator takes no new sessions; each hosted replica is
/// released when its deployment's disruption budget allows (asked at most once per <paramref name="askInterval"/>),
/// or at once when forced; the drain completes when every replica is released and no placement, agent
/// stream or work held elsewhere is left, and at the deadline whatever is left is cut over. The accelerator
/// grain gathers the facts and applies the steps; deployments answer through <c>DisruptionBudget</c>.
/// </summary>
/// <param name="startGrace">How long a drain waits for the operator API to say work may move before it moves anyway.</param>
/// <param name="askInterval">Least time between two rounds of asking deployments.</param>
public sealed class DrainProcess(TimeSpan startGrace, TimeSpan askInterval)
{
    /// <summary>The next step.</summary>
    public DrainStep Next(in DrainFacts facts)
    {
        if (facts.Drain is not { CompletedAt: null } drain)
        {
            return new DrainStep(DrainAction.None);
        }

        var deadlinePassed = drain.Deadline is { } deadline && facts.Now >= deadline;
        if (facts.Lifecycle is { State: AcceleratorState.Lost, HeldState: AcceleratorState.Draining })
        {
            return deadlinePassed ? new DrainStep(DrainAction.FinishWhileLost) : new DrainStep(DrainAction.None);
        }

        if (facts.Lifecycle.State != AcceleratorState.Draining)
        {
            return new DrainStep(DrainAction.None);
        }

        if (deadlinePassed)
        {
            return new DrainStep(DrainAction.CutOver, Reason: $"drain deadline passed: {facts.Reservations} placement(s) cut over");
        }

        var startMoving = !drain.MovingWork && facts.Now - drain.StartedAt >= startGrace;
        var unreleased = facts.Hosted.Select(h => h.ReplicaId).Where(id => !drain.Released.Contains(id)).ToArray();
        if (unreleased.Length > 0)
        {
            return (drain.MovingWork || startMoving) && facts.Now - facts.LastAskedAt >= askInterval
                ? new DrainStep(DrainAction.AskDeployments, startMoving, unreleased)
                : new DrainStep(DrainAction.Wait, startMoving);
        }

        if (facts.Reservations > 0 || facts.RemainingStreams > 0 || facts.WorkElsewhere > 0)
        {
            return new DrainStep(DrainAction.Wait, startMoving);
        }

        return facts.WorkElsewhere is null && facts.Hosted.Any(h => !h.IsPrimary)
            ? new DrainStep(DrainAction.CountWorkElsewhere, startMoving)
            : new DrainStep(DrainAction.Complete, startMoving, Reason: $"drained: no work left after {(facts.Now - drain.StartedAt).TotalSeconds:F1}s");
    }

    /// <summary>
    /// Whether a placement may reserve a slot of <paramref name="replicaId"/>: on an active accelerator always;
    /// on a draining one only for a session already on it, while its deployment has not let the replica go and
    /// the deadline has not cut the drain over.
    /// </summary>
    public static bool TakesTurns(AcceleratorState state, DrainRecord? drain, string replicaId, bool sessionTurn) => state switch
    {
        AcceleratorState.Active => true,
        AcceleratorState.Draining => sessionTurn && drain is { CutOver: false } && !drain.Released.Contains(replicaId),
        _ => false,
    };

    /// <summary>What an unfinished drain still waits for, in words for the operator.</summary>
    public static IReadOnlyList<string> WaitingFor(in DrainFacts facts)
    {
        if (facts.Drain is not { CompletedAt: null } drain)
        {
            return [];
        }

        var waiting = new List<string>();
        if (facts.Lifecycle.State == AcceleratorState.Lost)
        {
            waiting.Add("the node is not connected (Lost); the drain goes on when it returns");
        }

        foreach (var hosted in facts.Hosted.Where(h => !drain.Released.Contains(h.ReplicaId)).OrderBy(h => h.ReplicaId, StringComparer.Ordinal))
        {
            waiting.Add($"replica {hosted.ReplicaId} ({hosted.Deployment}): {drain.Held.GetValueOrDefault(hosted.ReplicaId, "waiting for its deployment's disruption budget")}");
        }

        if (facts.Reservations > 0)
        {
            waiting.Add($"{facts.Reservations} placement(s) still running");
        }

        if (facts.RemainingStreams > 0)
        {
            waiting.Add($"{facts.RemainingStreams} stream(s) still running on the node");
        }

        if (facts.WorkElsewhere > 0)
        {
            waiting.Add($"{facts.WorkElsewhere} placement(s) still running on replicas that span this accelerator (held by their primary accelerators)");
        }

        return waiting;
    }
}
