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
    private DrainProcess? _drainProcess;

    // Placements on replicas this accelerator is a secondary of (their slots are reserved on the primary),
    // as last counted (only when nothing else is left, as the drain process asks).
    private int _workElsewhere;

    private DrainProcess Drains => _drainProcess ??= new DrainProcess(_options.DrainStartGrace, _options.LeaseCheckInterval);

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

        if (Refusal(command) is { } refusal)
        {
            if (command.RequestId.Length > 0 && IsRegistered)
            {
                Record.Requests.Remember(command.RequestId, command.Fingerprint, refusal.Refusal, refusal.Message, time.GetUtcNow());
                await record.WriteStateAsync();
            }

            return refusal;
        }

        // Remembered before acting, so the action's own write stores the answer to a retry with it: a crash
        // between two writes must not keep the action and lose the answer.
        Record.Requests.Remember(command.RequestId, command.Fingerprint, AcceleratorRefusal.None, "", time.GetUtcNow());
        try
        {
            return await ActAsync(command);
        }
        catch
        {
            Record.Requests.Forget(command.RequestId);
            throw;
        }
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
            || !Record.Hosted.ContainsKey(replicaId) || !drain.Release(replicaId))
        {
            return;
        }

        LogReplicaReleased(logger, this.GetPrimaryKeyString(), replicaId);
        await record.WriteStateAsync(); // a release is a decision: a reactivated grain must not take it back
        Publish();
        await AdvanceDrainAsync(time.GetUtcNow());
    }

    /// <inheritdoc />
    public Task HoldReplicaAsync(string replicaId, string reason)
    {
        if (Record.Lifecycle.State == AcceleratorState.Draining && Record.Drain is { } drain && Record.Hosted.ContainsKey(replicaId)
            && drain.Hold(replicaId, reason))
        {
            Publish(); // not written: the deployment is asked again until it lets go
        }

        return Task.CompletedTask;
    }

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

        var step = Drains.Next(DrainFactsAt(now, workElsewhere: null));
        if (step.Action == DrainAction.CountWorkElsewhere)
        {
            await CountWorkElsewhereAsync();
            step = Drains.Next(DrainFactsAt(now, _workElsewhere));
        }

        if (step.StartMovingWork)
        {
            drain.MovingWork = true; // the operator API never said go (its caller went away): go anyway
        }

        switch (step.Action)
        {
            case DrainAction.AskDeployments:
                _releaseAskedAt = now;
                foreach (var replicaId in step.AskFor!)
                {
                    GrainFactory.GetGrain<IDeploymentGrain>(Record.Hosted[replicaId].Deployment)
                        .RequestDisruptionAsync(replicaId, this.GetPrimaryKeyString(), drain.Force).Ignore();
                }

                break;
            case DrainAction.FinishWhileLost:
                // The node is gone and the deadline passed: nothing can finish any more. It returns Drained.
                drain.CutOverAll(_slots.ReleaseAll(), Record.Hosted.Keys);
                drain.CompletedAt = now;
                Record.Lifecycle = Record.Lifecycle with { HeldState = AcceleratorState.Drained };
                await record.WriteStateAsync();
                Publish();
                break;
            case DrainAction.CutOver:
                // Sessions holding the cut placements find their replica gone at their next turn and are placed
                // elsewhere; the agent ends the streams.
                drain.CutOverAll(_slots.ReleaseAll(), Record.Hosted.Keys);
                SendToAgent(NodeCommandKind.StopWork, step.Reason);
                await CompleteDrainAsync(drain, now, step.Reason);
                break;
            case DrainAction.Complete:
                await CompleteDrainAsync(drain, now, step.Reason);
                break;
        }
    }

    private async Task CompleteDrainAsync(DrainRecord drain, DateTimeOffset now, string reason)
    {
        var from = Record.Lifecycle;
        drain.CompletedAt = now;
        Move(AcceleratorLifecycle.Apply(from, LifecycleTrigger.DrainCompleted), from, reason, now);
        await record.WriteStateAsync();
        Publish();
    }

    private DrainFacts DrainFactsAt(DateTimeOffset now, int? workElsewhere) => new(
        Record.Lifecycle,
        Record.Drain,
        Record.Hosted.Values,
        _slots.Count,
        Record.Drain?.AgentRemainingStreams ?? _telemetry.ActiveStreams,
        workElsewhere,
        _releaseAskedAt,
        now);

    // A replica spanning accelerators runs on all of them, but its slots are reserved on its primary: a
    // secondary is not drained while the primary still holds placements of it.
    private async Task CountWorkElsewhereAsync()
    {
        var secondary = Record.Hosted.Values.Where(h => !h.IsPrimary && h.PrimaryAcceleratorId.Length > 0).ToArray();
        var counts = await Task.WhenAll(secondary.Select(h => GrainFactory.GetGrain<IAcceleratorGrain>(h.PrimaryAcceleratorId).ReservedSlotsOfAsync(h.ReplicaId)));
        _workElsewhere = counts.Sum();
    }

    private DrainStatus? DrainStatusNow()
    {
        if (Record.Drain is not { } drain)
        {
            return null;
        }

        var facts = DrainFactsAt(time.GetUtcNow(), _workElsewhere); // as last counted
        return new DrainStatus(drain.Reason, drain.RequestedBy, drain.StartedAt, drain.Deadline, drain.Force,
            facts.Reservations, drain.CompletedAt is null ? facts.RemainingStreams : 0, DrainProcess.WaitingFor(facts), drain.CompletedAt, drain.CutPlacements);
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
