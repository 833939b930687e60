using ControlPlane.Grains.Idempotency;
using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Nodes;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Grains.Accelerators;

/// <summary>
/// The operator side of an accelerator: cordon, drain (with deadline and disruption budgets), resume,
/// decommission and re-add, each acting once per request id.
/// </summary>
public sealed partial class AcceleratorGrain
{
    private DateTimeOffset _releaseAskedAt = DateTimeOffset.MinValue;

    // Placements on replicas this accelerator is a secondary of: their slots are reserved on the primary.
    private int _workElsewhere;

    /// <inheritdoc />
    public Task<AcceleratorOutcome> CheckAsync(OperatorCommand command)
    {
        if (Remembered(command) is { } seen)
        {
            return Task.FromResult(seen);
        }

        return Task.FromResult(Refusal(command) ?? AcceleratorOutcome.Ok(View()));
    }

    /// <inheritdoc />
    public async Task<AcceleratorOutcome> ApplyAsync(OperatorCommand command)
    {
        if (Remembered(command) is { } seen)
        {
            return seen;
        }

        var outcome = Refusal(command) ?? await ActAsync(command);
        if (command.RequestId.Length > 0 && IsRegistered)
        {
            Record.Requests.Remember(command.RequestId, command.Fingerprint, outcome.Refusal, outcome.Message, time.GetUtcNow());
            await record.WriteStateAsync();
        }

        return outcome;
    }

    /// <inheritdoc />
    public async Task MoveWorkAsync()
    {
        if (Record.Drain is { MovingWork: false } drain && Record.Lifecycle.State == AcceleratorState.Draining)
        {
            drain.MovingWork = true;
            await record.WriteStateAsync();
            await AdvanceDrainAsync(time.GetUtcNow());
        }
    }

    /// <inheritdoc />
    public async Task ReportDrainProgressAsync(string nodeId, int remainingStreams)
    {
        if (Record.Registration is not { } registration || !string.Equals(registration.NodeId, nodeId, StringComparison.Ordinal)
            || Record.Drain is not { CompletedAt: null } drain)
        {
            return;
        }

        drain.AgentRemainingStreams = Math.Max(0, remainingStreams);
        if (remainingStreams == 0)
        {
            await AdvanceDrainAsync(time.GetUtcNow());
        }
    }

    /// <inheritdoc />
    public async Task ReleaseReplicaAsync(string replicaId)
    {
        if (Record.Lifecycle.State != AcceleratorState.Draining || Record.Drain is not { } drain
            || !Record.Hosted.ContainsKey(replicaId) || !drain.Released.Add(replicaId))
        {
            return;
        }

        drain.Held.Remove(replicaId);
        LogReplicaReleased(logger, this.GetPrimaryKeyString(), replicaId);
        await record.WriteStateAsync(); // a release is a decision: a reactivated grain must not take it back
        Publish();
        await AdvanceDrainAsync(time.GetUtcNow());
    }

    /// <inheritdoc />
    public Task HoldReplicaAsync(string replicaId, string reason)
    {
        if (Record.Lifecycle.State == AcceleratorState.Draining && Record.Drain is { } drain && Record.Hosted.ContainsKey(replicaId)
            && !drain.Released.Contains(replicaId) && drain.Held.GetValueOrDefault(replicaId) != reason)
        {
            drain.Held[replicaId] = reason; // not written: the deployment is asked again until it lets go
            Publish();
        }

        return Task.CompletedTask;
    }

    // Whether a placement may reserve a slot of the replica now.
    private bool TakesTurns(string replicaId, bool sessionTurn) => Record.Lifecycle.State switch
    {
        AcceleratorState.Active => true,

        // A draining accelerator keeps serving the sessions already on a replica its deployment cannot spare.
        AcceleratorState.Draining => sessionTurn && Record.Drain is { CutOver: false } drain && !drain.Released.Contains(replicaId),
        _ => false,
    };

    private AcceleratorOutcome? Remembered(OperatorCommand command)
    {
        var seen = Record.Requests.Check<AcceleratorRefusal>(command.RequestId, command.Fingerprint, time.GetUtcNow());
        return seen.Verdict switch
        {
            LedgerVerdict.IdReused => AcceleratorOutcome.Refused(AcceleratorRefusal.RequestIdReused,
                $"request id '{command.RequestId}' was already used for a different request on '{this.GetPrimaryKeyString()}'; use a new id"),
            LedgerVerdict.Repeat => new AcceleratorOutcome(seen.Outcome, seen.Message, IsRegistered ? View() : null),
            _ => null,
        };
    }

    private AcceleratorOutcome? Refusal(OperatorCommand command)
    {
        if (!IsRegistered)
        {
            return AcceleratorOutcome.Refused(AcceleratorRefusal.NotRegistered, $"accelerator '{this.GetPrimaryKeyString()}' is not registered");
        }

        var transition = AcceleratorLifecycle.Apply(Record.Lifecycle, command.Trigger);
        if (!transition.Allowed)
        {
            return AcceleratorOutcome.Refused(AcceleratorRefusal.IllegalTransition, $"accelerator '{this.GetPrimaryKeyString()}': {transition.Error}");
        }

        if (command.Action == OperatorAction.Decommission && Record.Lifecycle.State == AcceleratorState.Cordoned && Record.Hosted.Count > 0)
        {
            return AcceleratorOutcome.Refused(AcceleratorRefusal.IllegalTransition,
                $"accelerator '{this.GetPrimaryKeyString()}' is cordoned but still hosts {string.Join(", ", Record.Hosted.Keys.Order(StringComparer.Ordinal))}; drain it first");
        }

        return null;
    }

    private async Task<AcceleratorOutcome> ActAsync(OperatorCommand command)
    {
        var now = time.GetUtcNow();
        var from = Record.Lifecycle;
        var transition = AcceleratorLifecycle.Apply(from, command.Trigger);
        var reason = command.Reason.Length > 0 ? $"{Verb(command.Action)} by {command.Actor}: {command.Reason}" : $"{Verb(command.Action)} by {command.Actor}";
        Move(transition, from, reason, now);
        switch (command.Action)
        {
            case OperatorAction.Drain:
                Record.Drain = new DrainRecord
                {
                    Reason = command.Reason,
                    RequestedBy = command.Actor,
                    StartedAt = now,
                    Deadline = command.Deadline is { } deadline ? now + deadline : null,
                    Force = command.Force,
                };
                break;
            case OperatorAction.Resume or OperatorAction.Uncordon when Record.Drain is not null:
                Record.Drain = null;
                SendToAgent(NodeCommandKind.ResumeAccelerators, reason);
                break;
            case OperatorAction.Decommission:
                StopLeaseTimer();
                break;
            case OperatorAction.Readd:
                Record.Drain = null;
                Record.Hosted.Clear();
                StopLeaseTimer();
                break;
        }

        await record.WriteStateAsync();
        Publish();
        if (command.Action == OperatorAction.Drain)
        {
            SendToAgent(NodeCommandKind.DrainAccelerators, reason);
            await AdvanceDrainAsync(now); // an idle accelerator with nothing hosted is drained at once
        }

        return AcceleratorOutcome.Ok(View());
    }

    // Moves a drain on as far as it can go now; called on every lease tick and whenever work leaves.
    private async Task AdvanceDrainAsync(DateTimeOffset now)
    {
        if (Record.Drain is not { CompletedAt: null } drain)
        {
            return;
        }

        if (Record.Lifecycle is { State: AcceleratorState.Lost, HeldState: AcceleratorState.Draining } && drain.Deadline is { } lostDeadline && now >= lostDeadline)
        {
            // The node is gone and the deadline passed: nothing can finish any more. It returns Drained.
            CutRemainingWork(drain);
            drain.CompletedAt = now;
            Record.Lifecycle = Record.Lifecycle with { HeldState = AcceleratorState.Drained };
            await record.WriteStateAsync();
            Publish();
            return;
        }

        if (Record.Lifecycle.State != AcceleratorState.Draining)
        {
            return;
        }

        if (drain.Deadline is { } deadline && now >= deadline)
        {
            await CutOverAsync(drain, now);
            return;
        }

        if (!drain.MovingWork && now - drain.StartedAt >= _options.DrainStartGrace)
        {
            drain.MovingWork = true; // the operator API never said go (its caller went away): go anyway
        }

        var unreleased = Record.Hosted.Keys.Where(id => !drain.Released.Contains(id)).ToArray();
        if (unreleased.Length > 0)
        {
            if (drain.MovingWork && now - _releaseAskedAt >= _options.LeaseCheckInterval)
            {
                _releaseAskedAt = now;
                foreach (var replicaId in unreleased)
                {
                    GrainFactory.GetGrain<IDeploymentGrain>(Record.Hosted[replicaId].Deployment)
                        .RequestDisruptionAsync(replicaId, this.GetPrimaryKeyString(), drain.Force).Ignore();
                }
            }

            return;
        }

        if (_reservations.Count > 0 || RemainingStreams(drain) > 0 || await WorkElsewhereAsync() > 0)
        {
            return;
        }

        await CompleteDrainAsync(drain, now, $"drained: no work left after {(now - drain.StartedAt).TotalSeconds:F1}s");
    }

    // The deadline passed: what is left is cut over. Sessions holding the cut placements find their replica
    // gone at their next turn and are placed elsewhere; the agent ends the streams.
    private async Task CutOverAsync(DrainRecord drain, DateTimeOffset now)
    {
        CutRemainingWork(drain);
        var reason = $"drain deadline passed: {drain.CutPlacements} placement(s) cut over";
        SendToAgent(NodeCommandKind.StopWork, reason);
        await CompleteDrainAsync(drain, now, reason);
    }

    // Drops every placement still holding a slot and releases every replica: the deadline overrides budgets.
    private void CutRemainingWork(DrainRecord drain)
    {
        drain.CutOver = true;
        drain.CutPlacements = _reservations.Count;
        foreach (var placementId in _reservations.Keys.ToArray())
        {
            Release(placementId);
        }

        drain.Released.UnionWith(Record.Hosted.Keys);
        drain.Held.Clear();
    }

    private async Task CompleteDrainAsync(DrainRecord drain, DateTimeOffset now, string reason)
    {
        var from = Record.Lifecycle;
        drain.CompletedAt = now;
        Move(AcceleratorLifecycle.Apply(from, LifecycleTrigger.DrainCompleted), from, reason, now);
        await record.WriteStateAsync();
        Publish();
    }

    private int RemainingStreams(DrainRecord drain) => drain.AgentRemainingStreams ?? _telemetry.ActiveStreams;

    // A replica spanning accelerators runs on all of them, but its slots are reserved on its primary: a
    // secondary is not drained while the primary still holds placements of it.
    private async Task<int> WorkElsewhereAsync()
    {
        var secondary = Record.Hosted.Values.Where(h => !h.IsPrimary && h.PrimaryAcceleratorId.Length > 0).ToArray();
        var counts = await Task.WhenAll(secondary.Select(h => GrainFactory.GetGrain<IAcceleratorGrain>(h.PrimaryAcceleratorId).ReservedSlotsOfAsync(h.ReplicaId)));
        _workElsewhere = counts.Sum();
        return _workElsewhere;
    }

    private DrainStatus? DrainStatusNow()
    {
        if (Record.Drain is not { } drain)
        {
            return null;
        }

        var waiting = new List<string>();
        if (drain.CompletedAt is null)
        {
            if (Record.Lifecycle.State == AcceleratorState.Lost)
            {
                waiting.Add("the node is not connected (Lost); the drain goes on when it returns");
            }

            foreach (var hosted in Record.Hosted.Values.Where(h => !drain.Released.Contains(h.ReplicaId)).OrderBy(h => h.ReplicaId, StringComparer.Ordinal))
            {
                waiting.Add($"replica {hosted.ReplicaId} ({hosted.Deployment}): {drain.Held.GetValueOrDefault(hosted.ReplicaId, "waiting for its deployment's disruption budget")}");
            }

            if (_reservations.Count > 0)
            {
                waiting.Add($"{_reservations.Count} placement(s) still running");
            }

            if (RemainingStreams(drain) > 0)
            {
                waiting.Add($"{RemainingStreams(drain)} stream(s) still running on the node");
            }

            if (_workElsewhere > 0)
            {
                waiting.Add($"{_workElsewhere} placement(s) still running on replicas that span this accelerator (held by their primary accelerators)");
            }
        }

        return new DrainStatus(drain.Reason, drain.RequestedBy, drain.StartedAt, drain.Deadline, drain.Force,
            _reservations.Count, drain.CompletedAt is null ? RemainingStreams(drain) : 0, waiting, drain.CompletedAt, drain.CutPlacements);
    }

    // Fire and forget: the agent's answer comes back on its stream, which must never wait on this grain.
    private void SendToAgent(NodeCommandKind kind, string reason)
    {
        if (Record.Registration is not { } registration)
        {
            return;
        }

        var id = this.GetPrimaryKeyString();
        var command = new NodeCommand($"{kind.ToString().ToLowerInvariant()}-{id}-{Guid.NewGuid():N}", kind, time.GetUtcNow(), "", null,
            Work: new AcceleratorWorkCommand([id], reason));
        GrainFactory.GetGrain<INodeGrain>(registration.NodeId).SendCommandAsync(command, _options.AgentCommandTimeout).Ignore();
    }

    private static string Verb(OperatorAction action) => action switch
    {
        OperatorAction.Cordon => "cordoned",
        OperatorAction.Uncordon => "uncordoned",
        OperatorAction.Drain => "drain requested",
        OperatorAction.Resume => "resumed",
        OperatorAction.Decommission => "decommissioned",
        OperatorAction.Readd => "added back",
        _ => action.ToString(),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Accelerator {AcceleratorId}: replica {ReplicaId} released by its deployment; it takes no more turns here")]
    private static partial void LogReplicaReleased(ILogger logger, string acceleratorId, string replicaId);
}
