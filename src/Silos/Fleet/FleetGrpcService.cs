using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Nodes;
using ControlPlane.Silos.Contracts;
using ControlPlane.Silos.Metrics;
using ControlPlane.Silos.Validation;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Fleet;

/// <summary>
/// The operator's API over the fleet: reads answered from the fleet index, and lifecycle actions
/// (cordon, drain, resume, decommission, readd) carried out on the accelerator grains and audited.
/// </summary>
public sealed partial class FleetGrpcService(
    IGrainFactory grains,
    FleetIndexReader index,
    TimeProvider time,
    ControlPlaneMetrics metrics,
    Audit.OperatorAudit audit) : V1.FleetService.FleetServiceBase
{
    /// <summary>Page size when the request leaves it 0.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Largest page a request may ask for.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Longest a ping may wait for its answer.</summary>
    public static readonly TimeSpan MaxPingTimeout = TimeSpan.FromSeconds(30);

    private const string PageTokenPrefix = "after:";

    /// <inheritdoc />
    public override async Task<V1.ListAcceleratorsResponse> ListAccelerators(V1.ListAcceleratorsRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        violations.Check(request.PageSize is >= 0 and <= MaxPageSize, "page_size", $"must be 0..{MaxPageSize} (got {request.PageSize})");
        var hardwareClass = ContractMapping.ToDomain(request.HardwareClass);
        violations.Check(request.HardwareClass == V1.HardwareClass.Unspecified || hardwareClass is not null, "hardware_class",
            $"must be HARDWARE_CLASS_WAFER_SCALE, HARDWARE_CLASS_GPU or unset (got {(int)request.HardwareClass})");
        var state = ContractMapping.ToDomain(request.State);
        violations.Check(request.State == V1.AcceleratorState.Unspecified || state is not null, "state",
            $"must be an AcceleratorState value or unset (got {(int)request.State})");
        violations.Check(request.Pool.Length <= 256, "pool", $"must be at most 256 characters (got {request.Pool.Length})");
        if (request.NodeId.Length > 0)
        {
            ResourceIds.Check(violations, request.NodeId, "node_id");
        }

        var after = PageTokens.Decode(request.PageToken, PageTokenPrefix, ResourceIds.IsValid, violations);
        violations.ThrowIfAny();

        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var page = await index.QueryAsync(
            new AcceleratorQuery(hardwareClass, NullIfEmpty(request.Pool), state, NullIfEmpty(request.NodeId), after, pageSize),
            context.CancellationToken);

        var response = new V1.ListAcceleratorsResponse { TotalSize = page.TotalMatching };
        response.Accelerators.AddRange(page.Accelerators.Select(ContractMapping.ToContract));
        if (page.HasMore && page.Accelerators.Count > 0)
        {
            response.NextPageToken = PageTokens.Encode(PageTokenPrefix, page.Accelerators[^1].AcceleratorId);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<V1.Accelerator> GetAccelerator(V1.GetAcceleratorRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        ResourceIds.Check(violations, request.AcceleratorId, "accelerator_id");
        violations.ThrowIfAny();

        var view = await grains.GetGrain<Grains.Accelerators.IAcceleratorGrain>(request.AcceleratorId).GetAsync()
            .WaitAsync(context.CancellationToken);
        return view is null
            ? throw FieldViolations.Single(StatusCode.NotFound, "accelerator_id", $"no accelerator '{request.AcceleratorId}' is registered")
            : ContractMapping.ToContract(view);
    }

    /// <inheritdoc />
    public override async Task<V1.PingNodeResponse> PingNode(V1.PingNodeRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        ResourceIds.Check(violations, request.NodeId, "node_id");
        violations.Check(request.TimeoutMs >= 0 && request.TimeoutMs <= MaxPingTimeout.TotalMilliseconds, "timeout_ms",
            $"must be 0..{MaxPingTimeout.TotalMilliseconds} (got {request.TimeoutMs})");
        violations.ThrowIfAny();

        var node = grains.GetGrain<INodeGrain>(request.NodeId);
        if ((await node.GetAcceleratorIdsAsync().WaitAsync(context.CancellationToken)).Count == 0)
        {
            throw FieldViolations.Single(StatusCode.NotFound, "node_id", $"no node '{request.NodeId}' has registered");
        }

        var timeout = request.TimeoutMs == 0 ? TimeSpan.FromSeconds(5) : TimeSpan.FromMilliseconds(request.TimeoutMs);
        var command = new NodeCommand($"ping-{Guid.NewGuid():N}", NodeCommandKind.Ping, time.GetUtcNow(), "ping", null);
        var started = time.GetTimestamp();
        var outcome = await node.SendCommandAsync(command, timeout).WaitAsync(context.CancellationToken);
        var elapsed = time.GetElapsedTime(started);

        var result = !outcome.Delivered ? "not_connected" : outcome.TimedOut ? "timed_out" : outcome.Success ? "ok" : "failed";
        metrics.Commands.WithLabels("ping", result).Inc();
        return result switch
        {
            "ok" => new V1.PingNodeResponse { CommandId = command.CommandId, RoundTripMs = elapsed.TotalMilliseconds },
            "timed_out" => throw new RpcException(new Status(StatusCode.DeadlineExceeded, outcome.Message)),
            _ => throw FieldViolations.Single(StatusCode.FailedPrecondition, "node_id", outcome.Message),
        };
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
