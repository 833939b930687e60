using System.Text.Json;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Idempotency;
using ControlPlane.Grains.Nodes;
using ControlPlane.Grains.Replicas;
using ControlPlane.Grains.Routing;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;
using ControlPlane.Placement.Replicas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Deployments;

/// <summary>
/// Keeps one deployment's replicas matching its spec: places missing replicas with the
/// <see cref="ReplicaPlanner"/>, holds their devices on the accelerators, tells the agents to load them,
/// marks them Ready when every agent reports them loaded, and replaces replicas whose hardware is lost.
/// </summary>
public sealed partial class DeploymentGrain(
    [PersistentState("deployment", FleetStorage.Name)] IPersistentState<DeploymentRecord> record,
    FleetIndexReader fleet,
    PerformanceModel model,
    HardwareCatalogue catalogue,
    ReplicaPredictor predictor,
    IOptions<DeploymentOptions> options,
    IOptions<PlacementOptions> placementOptions,
    IOptions<FleetOptions> fleetOptions,
    TimeProvider time,
    ILogger<DeploymentGrain> logger) : Grain, IDeploymentGrain
{
    private readonly DeploymentOptions _options = options.Value;
    private readonly TimeSpan _commandTimeout = fleetOptions.Value.AgentCommandTimeout;
    private IGrainTimer? _reconcileTimer;
    private DeploymentReconciler? _reconciler;
    private ReplicaCommands? _commands;
    private DisruptionBudget? _budget;

    private DeploymentRecord State => record.State;

    private string Name => this.GetPrimaryKeyString();

    private DeploymentReconciler Reconciler => _reconciler ??= new DeploymentReconciler(new ReplicaPlanner(model),
        new ReconcileSettings(_options.ScaleOutUtilization, _options.ScaleInUtilization, _options.ReplicaLoadTimeout, placementOptions.Value.PlacementLease));

    private ReplicaCommands Commands => _commands ??= new ReplicaCommands(Name, GrainFactory, predictor, _commandTimeout, time, logger);

    private DisruptionBudget Budget => _budget ??= new DisruptionBudget(Name);

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Definition is not null)
        {
            StartReconciling();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<DeploymentOutcome> CreateAsync(DeploymentDefinition definition, string requestId) =>
        OnceAsync(requestId, "create " + JsonSerializer.Serialize(definition), async () =>
        {
            if (State.Definition is not null)
            {
                return Refused(DeploymentRefusal.AlreadyExists, $"deployment '{Name}' already exists; update or scale it instead");
            }

            // Listed first: a name listed without a deployment is skipped, a deployment never listed is never woken.
            await GrainFactory.GetGrain<IDeploymentDirectoryGrain>(0).AddAsync(Name);
            var now = time.GetUtcNow();
            State.Definition = definition;
            State.CreatedAt = now;
            await SaveAsync();
            LogCreated(logger, Name, definition.Model, definition.DesiredReplicas);
            StartReconciling();
            await ReconcileAsync();
            return Accepted();
        });

    /// <inheritdoc />
    public Task<DeploymentOutcome> UpdateAsync(DeploymentDefinition definition, string requestId) =>
        OnceAsync(requestId, "update " + JsonSerializer.Serialize(definition), async () =>
        {
            if (State.Definition is null)
            {
                return NotFound();
            }

            State.Definition = definition;
            await SaveAsync();
            await ReconcileAsync();
            return Accepted();
        });

    /// <inheritdoc />
    public Task<DeploymentOutcome> ScaleAsync(int desiredReplicas, int? minReplicas, string requestId) =>
        OnceAsync(requestId, $"scale {desiredReplicas} {minReplicas}", async () =>
        {
            if (State.Definition is not { } definition)
            {
                return NotFound();
            }

            State.Definition = definition with
            {
                DesiredReplicas = desiredReplicas,
                MinReplicas = Math.Min(minReplicas ?? definition.MinReplicas, desiredReplicas),
                MaxReplicas = definition.MaxReplicas == 0 ? 0 : Math.Max(definition.MaxReplicas, desiredReplicas),
            };
            await SaveAsync();
            LogScaled(logger, Name, desiredReplicas);
            await ReconcileAsync();
            return Accepted();
        });

    /// <inheritdoc />
    public Task<DeploymentOutcome> DeleteAsync(string requestId) =>
        OnceAsync(requestId, "delete", async () =>
        {
            if (State.Definition is null)
            {
                return NotFound();
            }

            var view = View();
            await Task.WhenAll(State.Replicas.ToArray().Select(r => RemoveReplicaAsync(r, "deployment deleted")));
            State.Definition = null;
            State.Replicas.Clear();
            State.PlacementProblems.Clear();
            await SaveAsync();
            await GrainFactory.GetGrain<IDeploymentDirectoryGrain>(0).RemoveAsync(Name);
            _reconcileTimer?.Dispose();
            _reconcileTimer = null;
            LogDeleted(logger, Name);
            return new DeploymentOutcome(DeploymentRefusal.None, "", view);
        });

    /// <inheritdoc />
    public Task<DeploymentView?> GetAsync() => Task.FromResult(State.Definition is null ? null : View());

    /// <inheritdoc />
    public async Task ReportReplicaAsync(string replicaId, string acceleratorId, ReplicaState state, string message, string endpoint)
    {
        var replica = State.Replicas.Find(r => r.ReplicaId == replicaId);
        if (replica is null || !replica.AcceleratorIds.Contains(acceleratorId))
        {
            return; // a late report on a replica already removed
        }

        var before = (replica.State, replica.Endpoint, replica.LoadedOn.Count);
        if (endpoint.Length > 0 && acceleratorId == replica.AcceleratorIds[0])
        {
            replica.Endpoint = endpoint;
        }

        switch (state)
        {
            case ReplicaState.Ready when replica.State is ReplicaState.Loading or ReplicaState.Ready:
                replica.LoadedOn.Add(acceleratorId);
                if (replica.AcceleratorIds.All(replica.LoadedOn.Contains))
                {
                    replica.State = ReplicaState.Ready;
                    replica.Message = "loaded";
                    replica.LoadingSince = null;
                    replica.LoadProblem = "";
                }

                break;
            case ReplicaState.Failed when replica.State != ReplicaState.Unloading:
                replica.State = ReplicaState.Failed;
                replica.Message = $"agent on {acceleratorId} failed to load it: {message}";
                break;
            case ReplicaState.Loading when replica.State == ReplicaState.Ready && replica.LoadedOn.Remove(acceleratorId):
                replica.State = ReplicaState.Loading; // the agent restarted and is loading again
                replica.Message = $"reloading on {acceleratorId}";
                replica.LoadingSince = time.GetUtcNow();
                break;
        }

        if (before != (replica.State, replica.Endpoint, replica.LoadedOn.Count))
        {
            LogReplicaState(logger, Name, replicaId, replica.State, replica.Message);
            await SaveAsync();
        }
    }

    /// <inheritdoc />
    public async Task ConfirmReplicaAsync(string replicaId, string acceleratorId)
    {
        if (State.Definition is not { } definition
            || State.Replicas.Find(r => r.ReplicaId == replicaId) is not { } replica
            || !replica.AcceleratorIds.Contains(acceleratorId)
            || replica.State is not (ReplicaState.Loading or ReplicaState.Ready))
        {
            return;
        }

        replica.LoadedOn.Remove(acceleratorId);
        if (replica.State == ReplicaState.Ready)
        {
            replica.State = ReplicaState.Loading;
            replica.Message = $"{acceleratorId} registered again; waiting for its agent to confirm the weights";
            replica.LoadingSince = time.GetUtcNow();
            LogReplicaState(logger, Name, replicaId, replica.State, replica.Message);
            await SaveAsync();
        }

        // Ask again: an agent that still serves it says so at once; a restarted one loads it.
        Commands.LoadAsync(replica, definition).Ignore();
    }

    /// <inheritdoc />
    public async Task RequestDisruptionAsync(string replicaId, string acceleratorId, bool force)
    {
        var accelerator = GrainFactory.GetGrain<IAcceleratorGrain>(acceleratorId);
        if (State.Definition is not { } definition || State.Replicas.Find(r => r.ReplicaId == replicaId) is not { } replica)
        {
            accelerator.ReleaseReplicaAsync(replicaId).Ignore(); // not ours (any more): nothing to protect
            return;
        }

        // Only this deployment's hardware: a held replica asks every lease tick, and the fleet may be large.
        var views = await fleet.GetManyAsync(State.Replicas.SelectMany(r => r.AcceleratorIds), CancellationToken.None);
        var answer = Budget.Decide(replica, force, definition.MinReplicas, State.Replicas, views, State.PlacementProblems.FirstOrDefault());
        if (answer.Granted)
        {
            LogDisruptionGranted(logger, Name, replicaId, acceleratorId, answer.ReadyLeft, definition.MinReplicas, force);
            accelerator.ReleaseReplicaAsync(replicaId).Ignore();
        }
        else
        {
            accelerator.HoldReplicaAsync(replicaId, answer.HoldReason).Ignore();
        }
    }

    private async Task SaveAsync()
    {
        State.Version++;
        State.UpdatedAt = time.GetUtcNow();
        await record.WriteStateAsync();
    }

    private async Task<DeploymentOutcome> OnceAsync(string requestId, string fingerprint, Func<Task<DeploymentOutcome>> act)
    {
        var seen = State.Requests.Check<DeploymentRefusal>(requestId, fingerprint, time.GetUtcNow());
        switch (seen.Verdict)
        {
            case LedgerVerdict.IdReused:
                return Refused(DeploymentRefusal.RequestIdReused, $"request id '{requestId}' was already used for a different request; use a new id");
            case LedgerVerdict.Repeat:
                return new DeploymentOutcome(seen.Outcome, seen.Message, State.Definition is null ? null : View());
        }

        // Remembered before acting, so an accepted request's own write stores the answer to a retry with it: a
        // crash between two writes must not keep the change and lose the answer. A refusal changes nothing and
        // is remembered on its own.
        State.Requests.Remember(requestId, fingerprint, DeploymentRefusal.None, "", time.GetUtcNow());
        DeploymentOutcome outcome;
        try
        {
            outcome = await act();
        }
        catch
        {
            State.Requests.Forget(requestId);
            throw;
        }

        if (requestId.Length > 0 && outcome.Refusal != DeploymentRefusal.None)
        {
            State.Requests.Remember(requestId, fingerprint, outcome.Refusal, outcome.Message, time.GetUtcNow());
            await record.WriteStateAsync();
        }

        return outcome;
    }

    private DeploymentOutcome Accepted() => new(DeploymentRefusal.None, "", View());

    private DeploymentOutcome NotFound() => Refused(DeploymentRefusal.NotFound, $"deployment '{Name}' does not exist");

    private static DeploymentOutcome Refused(DeploymentRefusal refusal, string message) => new(refusal, message, null);

    // Problems are the last placement's, and every loading replica whose load is known not to progress.
    private DeploymentView View() => new(
        State.Definition!,
        State.Replicas.Select(ReplicaView.Of).ToArray(),
        [.. State.Replicas.Where(r => r.State == ReplicaState.Loading && r.LoadProblem.Length > 0)
                .Select(r => $"replica {r.ReplicaId} is stuck loading: {r.LoadProblem}; it is replaced if not ready within {_options.ReplicaLoadTimeout} of starting"),
            .. State.PlacementProblems],
        State.CreatedAt,
        State.UpdatedAt,
        State.Version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment} created: model {Model}, {Desired} replica(s) wanted")]
    private static partial void LogCreated(ILogger logger, string deployment, string model, int desired);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment} scaled to {Desired} replica(s)")]
    private static partial void LogScaled(ILogger logger, string deployment, int desired);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} on draining {AcceleratorId} may go ({Left} ready left, minimum {Min}, forced {Force})")]
    private static partial void LogDisruptionGranted(ILogger logger, string deployment, string replicaId, string acceleratorId, int left, int min, bool force);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment} deleted")]
    private static partial void LogDeleted(ILogger logger, string deployment);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} placed on {Accelerators} ({Sku})")]
    private static partial void LogReplicaPlaced(ILogger logger, string deployment, string replicaId, string accelerators, string sku);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} removed ({Reason})")]
    private static partial void LogReplicaRemoved(ILogger logger, string deployment, string replicaId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployment {Deployment}: replica {ReplicaId} is {State} ({Message})")]
    private static partial void LogReplicaState(ILogger logger, string deployment, string replicaId, ReplicaState state, string message);
}
