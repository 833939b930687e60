using ControlPlane.Placement.Replicas;
using ControlPlane.Contracts.Security;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.Nodes;
using ControlPlane.Silos.Metrics;
using ControlPlane.Silos.Security;
using ControlPlane.Silos.Validation;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Agents;

/// <summary>
/// The agent API: Register, then one persistent stream per node carrying telemetry up and commands
/// down. Every call is checked against the node the agent's token is bound to.
/// </summary>
public sealed partial class AgentGrpcService(
    IGrainFactory grains,
    RegisterRequestValidator validator,
    IOptions<FleetOptions> fleetOptions,
    ControlPlaneMetrics metrics,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<AgentGrpcService> logger) : V1.AgentService.AgentServiceBase
{
    /// <inheritdoc />
    public override async Task<V1.RegisterResponse> Register(V1.RegisterRequest request, ServerCallContext context)
    {
        try
        {
            var registrations = validator.Parse(request);
            RequireOwnNode(context.Caller(), request.NodeId, "node_id");
            var outcome = await grains.GetGrain<INodeGrain>(request.NodeId)
                .RegisterAsync(registrations, request.AgentVersion)
                .WaitAsync(context.CancellationToken);
            if (!outcome.Accepted)
            {
                // An id or GPU another node holds is a duplicate here, not a permission question.
                var field = outcome.Refusal == AcceleratorRefusal.GpuClaimedElsewhere
                    ? $"accelerators[{outcome.RefusedIndex}].gpus"
                    : $"accelerators[{outcome.RefusedIndex}].accelerator_id";
                throw RefusalToStatus(outcome.Refusal, field, outcome.Message, StatusCode.AlreadyExists);
            }

            metrics.Registrations.WithLabels("ok").Inc();
            var response = new V1.RegisterResponse
            {
                HeartbeatInterval = Duration.FromTimeSpan(fleetOptions.Value.HeartbeatInterval),
                LeaseDuration = Duration.FromTimeSpan(fleetOptions.Value.LeaseDuration),
            };
            response.Accelerators.AddRange(outcome.Accelerators.Select(Contracts.ContractMapping.ToContract));
            return response;
        }
        catch (RpcException ex)
        {
            metrics.Registrations.WithLabels(ex.StatusCode.ToString()).Inc();
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task Connect(IAsyncStreamReader<V1.AgentMessage> requestStream, IServerStreamWriter<V1.ServerMessage> responseStream, ServerCallContext context)
    {
        var caller = context.Caller();
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation))
        {
            return; // closed before saying anything
        }

        var hello = requestStream.Current.Hello
            ?? throw FieldViolations.Single(StatusCode.InvalidArgument, "hello", "the first message on the stream must be a Hello");
        var violations = new FieldViolations();
        ResourceIds.Check(violations, hello.NodeId, "hello.node_id");
        violations.ThrowIfAny();
        RequireOwnNode(caller, hello.NodeId, "hello.node_id");

        var nodeId = hello.NodeId;
        var node = grains.GetGrain<INodeGrain>(nodeId);
        var owned = new HashSet<string>(await node.GetAcceleratorIdsAsync().WaitAsync(cancellation), StringComparer.Ordinal);
        if (owned.Count == 0)
        {
            throw FieldViolations.Single(StatusCode.FailedPrecondition, "hello.node_id",
                $"node '{nodeId}' has no registered accelerators; call Register before Connect");
        }

        // A report refused after it was accepted (forwarded in the background) ends the stream through this
        // token; so does the silo shutting down, so that long-lived streams do not hold shutdown up.
        using var refusedLater = CancellationTokenSource.CreateLinkedTokenSource(cancellation, lifetime.ApplicationStopping);
        RpcException? laterRefusal = null;
        void FailLater(RpcException error)
        {
            Interlocked.CompareExchange(ref laterRefusal, error, null);
            refusedLater.Cancel();
        }

        var forwarder = new TelemetryForwarder(nodeId, grains,
            (acceleratorId, refusal) => FailLater(TelemetryRefusal(nodeId, acceleratorId, refusal)),
            (acceleratorId, error) => FailLater(new RpcException(new Status(StatusCode.Unavailable,
                $"accelerator '{acceleratorId}' could not record telemetry ({error.Message}); reconnect and retry"))),
            () => metrics.TelemetryApplied.Inc(),
            fleetOptions.Value.TelemetryApplyInterval,
            time);
        using var connection = new NodeStreamConnection(nodeId, responseStream, cancellation);
        using var superseded = connection.Superseded.Register(refusedLater.Cancel);
        var observer = grains.CreateObjectReference<INodeCommandObserver>(connection);
        await node.AttachAsync(connection.Id, observer).WaitAsync(cancellation);
        metrics.OpenStreams.Inc();
        LogStreamOpened(logger, nodeId, owned.Count);
        var how = "dropped";

        // Replica reports go to deployment grains from their own loop, in order: the read loop must never
        // wait on a deployment that is itself waiting for this node to answer a command.
        var replicaReports = System.Threading.Channels.Channel.CreateUnbounded<V1.ReplicaStatus>(new() { SingleReader = true });
        var forwarding = ForwardReplicaReportsAsync(replicaReports.Reader);
        RpcException Refused(RpcException error)
        {
            how = "error";
            metrics.StreamErrors.WithLabels(error.StatusCode.ToString()).Inc();
            LogStreamRefused(logger, nodeId, error.StatusCode, error.Status.Detail);
            return error;
        }

        try
        {
            var welcome = new V1.Welcome
            {
                HeartbeatInterval = Duration.FromTimeSpan(fleetOptions.Value.HeartbeatInterval),
                LeaseDuration = Duration.FromTimeSpan(fleetOptions.Value.LeaseDuration),
            };
            welcome.AcceleratorIds.AddRange(owned.Order(StringComparer.Ordinal));
            await connection.WriteAsync(new V1.ServerMessage { Welcome = welcome });

            while (await requestStream.MoveNext(refusedLater.Token))
            {
                var message = requestStream.Current;
                switch (message.BodyCase)
                {
                    case V1.AgentMessage.BodyOneofCase.Telemetry:
                        await AcceptTelemetryAsync(nodeId, node, owned, forwarder, message.Telemetry, cancellation);
                        break;
                    case V1.AgentMessage.BodyOneofCase.CommandResult:
                        var result = new FieldViolations();
                        result.CheckText(message.CommandResult.Message, "command_result.message", 1024);
                        result.ThrowIfAny();
                        connection.Complete(message.CommandResult);
                        break;
                    case V1.AgentMessage.BodyOneofCase.ReplicaStatus:
                        await AcceptReplicaStatusAsync(node, owned, replicaReports.Writer, message.ReplicaStatus, cancellation);
                        break;
                    case V1.AgentMessage.BodyOneofCase.DrainProgress:
                        await AcceptDrainProgressAsync(nodeId, node, owned, message.DrainProgress, cancellation);
                        break;
                    case V1.AgentMessage.BodyOneofCase.Goodbye:
                        how = "goodbye";
                        LogGoodbye(logger, nodeId, ControlPlane.Contracts.Text.PrintableText.Escape(ResourceIds.Shorten(message.Goodbye.Reason)));
                        await forwarder.DrainAsync();
                        return;
                    case V1.AgentMessage.BodyOneofCase.Hello:
                        throw FieldViolations.Single(StatusCode.InvalidArgument, "hello", "Hello may only be sent once, as the first message");
                    default:
                        throw FieldViolations.Single(StatusCode.InvalidArgument, "body", "every message must carry a body");
                }
            }

            await forwarder.DrainAsync();
            if (laterRefusal is not null)
            {
                throw laterRefusal;
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && laterRefusal is null)
        {
            how = "shutdown";
            throw new RpcException(new Status(StatusCode.Unavailable, "the silo is shutting down; reconnect"));
        }
        catch (OperationCanceledException) when (connection.SupersededBy is { } newer && laterRefusal is null)
        {
            how = "superseded";
            LogStreamSuperseded(logger, nodeId, newer);
            throw new RpcException(new Status(StatusCode.Aborted,
                $"a newer stream of node '{nodeId}' took over its commands; one stream per node carries them. Reconnect if this agent is the node's own"));
        }
        catch (OperationCanceledException) when (laterRefusal is not null)
        {
            throw Refused(laterRefusal);
        }
        catch (RpcException ex)
        {
            Refused(ex);
            throw;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The agent vanished without a goodbye; its leases will run out.
        }
        catch (IOException)
        {
            // Same: the connection broke mid-read.
        }
        finally
        {
            replicaReports.Writer.TryComplete();
            await forwarding;
            metrics.OpenStreams.Dec();
            metrics.StreamsClosed.WithLabels(how).Inc();
            grains.DeleteObjectReference<INodeCommandObserver>(observer);
            await node.DetachAsync(connection.Id);
            LogStreamClosed(logger, nodeId, how);
        }
    }

    private async Task AcceptTelemetryAsync(
        string nodeId, INodeGrain node, HashSet<string> owned, TelemetryForwarder forwarder, V1.TelemetryReport report, CancellationToken cancellation)
    {
        var acceleratorId = report.AcceleratorId;
        if (!owned.Contains(acceleratorId))
        {
            var violations = new FieldViolations();
            ResourceIds.Check(violations, acceleratorId, "telemetry.accelerator_id");
            violations.ThrowIfAny();

            // The node may have registered more accelerators since the stream opened.
            owned.UnionWith(await node.GetAcceleratorIdsAsync().WaitAsync(cancellation));
        }

        var telemetry = TelemetryValidator.Parse(report);
        var refusal = await forwarder.SubmitAsync(acceleratorId, report.Sequence, telemetry);
        if (refusal != AcceleratorRefusal.None)
        {
            throw TelemetryRefusal(nodeId, acceleratorId, refusal);
        }

        metrics.TelemetryReports.Inc();
    }

    // Replica reports go to their deployment, off the read loop (see ForwardReplicaReportsAsync).
    private async Task AcceptReplicaStatusAsync(
        INodeGrain node, HashSet<string> owned, System.Threading.Channels.ChannelWriter<V1.ReplicaStatus> forward, V1.ReplicaStatus status, CancellationToken cancellation)
    {
        var violations = new FieldViolations();
        ResourceIds.Check(violations, status.ReplicaId, "replica_status.replica_id");
        ResourceIds.Check(violations, status.Deployment, "replica_status.deployment");
        ResourceIds.Check(violations, status.AcceleratorId, "replica_status.accelerator_id");
        violations.Check(status.State != V1.ReplicaStatus.Types.State.Unspecified && System.Enum.IsDefined(status.State), "replica_status.state",
            $"must be LOADING, READY, FAILED or UNLOADED (got {(int)status.State})");
        violations.CheckText(status.Message, "replica_status.message", 1024);
        violations.CheckText(status.Endpoint, "replica_status.endpoint", 256);
        violations.ThrowIfAny();
        await RequireOwnedAsync(node, owned, status.AcceleratorId, "replica_status.accelerator_id", cancellation);

        // Agents report on changes, on connect and when asked again: every report is forwarded, since the
        // control plane may have marked the replica unconfirmed meanwhile.
        if (status.State != V1.ReplicaStatus.Types.State.Unloaded)
        {
            forward.TryWrite(status);
        }
    }

    // The node may have registered more accelerators since its stream opened; anything else is not its to report on.
    private static async Task RequireOwnedAsync(INodeGrain node, HashSet<string> owned, string acceleratorId, string field, CancellationToken cancellation)
    {
        if (!owned.Contains(acceleratorId))
        {
            owned.UnionWith(await node.GetAcceleratorIdsAsync().WaitAsync(cancellation));
            if (!owned.Contains(acceleratorId))
            {
                throw FieldViolations.Single(StatusCode.PermissionDenied, field,
                    $"accelerator '{acceleratorId}' is not one of this node's; a node reports only on its own accelerators");
            }
        }
    }

    private async Task AcceptDrainProgressAsync(string nodeId, INodeGrain node, HashSet<string> owned, V1.DrainProgress progress, CancellationToken cancellation)
    {
        var violations = new FieldViolations();
        ResourceIds.Check(violations, progress.AcceleratorId, "drain_progress.accelerator_id");
        violations.Check(progress.RemainingStreams is >= 0 and <= 1_000_000, "drain_progress.remaining_streams",
            $"must be 0..1000000 (got {progress.RemainingStreams})");
        violations.ThrowIfAny();
        await RequireOwnedAsync(node, owned, progress.AcceleratorId, "drain_progress.accelerator_id", cancellation);

        // One-way: the accelerator may itself be sending this node a command.
        await grains.GetGrain<IAcceleratorGrain>(progress.AcceleratorId).ReportDrainProgressAsync(nodeId, progress.RemainingStreams);
    }

    private async Task ForwardReplicaReportsAsync(System.Threading.Channels.ChannelReader<V1.ReplicaStatus> reports)
    {
        await foreach (var status in reports.ReadAllAsync())
        {
            var state = status.State switch
            {
                V1.ReplicaStatus.Types.State.Loading => ReplicaState.Loading,
                V1.ReplicaStatus.Types.State.Ready => ReplicaState.Ready,
                _ => ReplicaState.Failed,
            };
            try
            {
                await grains.GetGrain<IDeploymentGrain>(status.Deployment)
                    .ReportReplicaAsync(status.ReplicaId, status.AcceleratorId, state, status.Message, status.Endpoint);
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                // The agent re-reports every replica when it reconnects; a lost report costs a reconnect at most.
                LogReplicaReportFailed(logger, status.ReplicaId, ex.Message);
            }
        }
    }

    private static RpcException TelemetryRefusal(string nodeId, string acceleratorId, AcceleratorRefusal refusal) =>
        RefusalToStatus(refusal, "telemetry.accelerator_id", refusal switch
        {
            AcceleratorRefusal.NotRegistered => $"accelerator '{acceleratorId}' is not registered; call Register first",
            AcceleratorRefusal.OwnedByAnotherNode => $"accelerator '{acceleratorId}' belongs to another node; node '{nodeId}' cannot report for it",
            AcceleratorRefusal.Decommissioned => $"accelerator '{acceleratorId}' is decommissioned",
            _ => refusal.ToString(),
        }, StatusCode.PermissionDenied);

    private static void RequireOwnNode(CallerIdentity caller, string nodeId, string field)
    {
        if (!string.Equals(caller.Subject, nodeId, StringComparison.Ordinal))
        {
            throw FieldViolations.Single(StatusCode.PermissionDenied, field,
                $"the token is bound to node '{ResourceIds.Shorten(caller.Subject)}'; it cannot act for node '{nodeId}'");
        }
    }

    private static RpcException RefusalToStatus(AcceleratorRefusal refusal, string field, string message, StatusCode ownedByAnotherNode) =>
        FieldViolations.Single(refusal switch
        {
            AcceleratorRefusal.NotRegistered => StatusCode.NotFound,
            AcceleratorRefusal.OwnedByAnotherNode => ownedByAnotherNode,
            AcceleratorRefusal.GpuClaimedElsewhere => StatusCode.AlreadyExists,
            _ => StatusCode.FailedPrecondition, // decommissioned, hardware changed, illegal lifecycle move
        }, field, message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Report on replica {ReplicaId} could not reach its deployment: {Error}")]
    private static partial void LogReplicaReportFailed(ILogger logger, string replicaId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} opened its stream ({Count} accelerators)")]
    private static partial void LogStreamOpened(ILogger logger, string nodeId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} said goodbye: {Reason}")]
    private static partial void LogGoodbye(ILogger logger, string nodeId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} stream closed ({How})")]
    private static partial void LogStreamClosed(ILogger logger, string nodeId, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} stream closed: newer stream {Newer} took over the node's commands")]
    private static partial void LogStreamSuperseded(ILogger logger, string nodeId, Guid newer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} stream refused with {Code}: {Detail}")]
    private static partial void LogStreamRefused(ILogger logger, string nodeId, StatusCode code, string detail);
}
