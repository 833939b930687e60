using System.Globalization;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Silos.Contracts;
using ControlPlane.Silos.Security;
using ControlPlane.Silos.Validation;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Fleet;

/// <summary>The operator lifecycle actions: validated, audited, and applied all or none (<see cref="OperatorBatch"/>), once per request id.</summary>
public sealed partial class FleetGrpcService
{
    /// <summary>Most accelerators one lifecycle request may name.</summary>
    public const int MaxAcceleratorsPerAction = 100;

    /// <summary>Longest reason.</summary>
    public const int MaxReasonLength = 512;

    /// <summary>Shortest drain deadline.</summary>
    public static readonly TimeSpan MinDrainDeadline = TimeSpan.FromSeconds(1);

    /// <summary>Longest drain deadline.</summary>
    public static readonly TimeSpan MaxDrainDeadline = TimeSpan.FromDays(7);

    /// <inheritdoc />
    public override Task<V1.AcceleratorActionResponse> CordonAccelerators(V1.AcceleratorActionRequest request, ServerCallContext context) =>
        ActAsync(OperatorAction.Cordon, request.AcceleratorIds, request.Reason, request.RequestId, null, false, context);

    /// <inheritdoc />
    public override Task<V1.AcceleratorActionResponse> UncordonAccelerators(V1.AcceleratorActionRequest request, ServerCallContext context) =>
        ActAsync(OperatorAction.Uncordon, request.AcceleratorIds, request.Reason, request.RequestId, null, false, context);

    /// <inheritdoc />
    public override Task<V1.AcceleratorActionResponse> DrainAccelerators(V1.DrainAcceleratorsRequest request, ServerCallContext context) =>
        ActAsync(OperatorAction.Drain, request.AcceleratorIds, request.Reason, request.RequestId, request.Deadline, request.Force, context);

    /// <inheritdoc />
    public override Task<V1.AcceleratorActionResponse> ResumeAccelerators(V1.AcceleratorActionRequest request, ServerCallContext context) =>
        ActAsync(OperatorAction.Resume, request.AcceleratorIds, request.Reason, request.RequestId, null, false, context);

    /// <inheritdoc />
    public override Task<V1.AcceleratorActionResponse> DecommissionAccelerators(V1.AcceleratorActionRequest request, ServerCallContext context) =>
        ActAsync(OperatorAction.Decommission, request.AcceleratorIds, request.Reason, request.RequestId, null, false, context);

    /// <inheritdoc />
    public override Task<V1.AcceleratorActionResponse> ReaddAccelerators(V1.AcceleratorActionRequest request, ServerCallContext context) =>
        ActAsync(OperatorAction.Readd, request.AcceleratorIds, request.Reason, request.RequestId, null, false, context);

    private Task<V1.AcceleratorActionResponse> ActAsync(
        OperatorAction action, IReadOnlyList<string> ids, string reason, string requestId, Google.Protobuf.WellKnownTypes.Duration? deadline, bool force, ServerCallContext context)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (deadline is not null)
        {
            parameters["deadline"] = string.Create(CultureInfo.InvariantCulture, $"{deadline.Seconds + (deadline.Nanos / 1e9)}s");
        }

        if (force)
        {
            parameters["force"] = "true";
        }

        return audit.RecordAsync(context, ids, reason, parameters, requestId, async () =>
        {
            var violations = new FieldViolations();
            violations.Check(ids.Count is >= 1 and <= MaxAcceleratorsPerAction, "accelerator_ids",
                $"must name 1..{MaxAcceleratorsPerAction} accelerators (got {ids.Count})");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < Math.Min(ids.Count, MaxAcceleratorsPerAction); i++)
            {
                if (ResourceIds.Check(violations, ids[i], $"accelerator_ids[{i}]"))
                {
                    violations.Check(seen.Add(ids[i]), $"accelerator_ids[{i}]", $"'{ids[i]}' is named twice; name each accelerator once");
                }
            }

            var reasonRequired = action is OperatorAction.Drain or OperatorAction.Decommission;
            violations.Check(!reasonRequired || reason.Trim().Length > 0, "reason",
                $"is required to {action.ToString().ToLowerInvariant()}: say why (it goes to the audit log and the accelerator's state reason)");
            violations.CheckText(reason, "reason", MaxReasonLength);
            RequestIds.Check(violations, requestId);
            var span = DrainDeadline(deadline, violations);
            violations.ThrowIfAny();

            var command = new OperatorCommand(action, reason.Trim(), context.Caller().Subject, requestId, span, force);
            var batch = await new OperatorBatch(grains).ApplyAsync(command, ids, context.CancellationToken);
            if (batch.Refused)
            {
                ThrowRefusals(ids, batch.Outcomes);
            }

            var outcomes = batch.Outcomes;
            var lost = outcomes.Select((o, i) => (Outcome: o, Id: ids[i])).Where(p => !p.Outcome.Accepted).ToArray();
            if (lost.Length > 0)
            {
                var applied = outcomes.Select((o, i) => (o, ids[i])).Where(p => p.o.Accepted).Select(p => p.Item2).ToArray();
                throw new RpcException(new Status(StatusCode.Aborted,
                    $"another command changed {string.Join(", ", lost.Select(l => $"'{l.Id}' ({l.Outcome.Message})"))} meanwhile; " +
                    (applied.Length > 0 ? $"applied to {string.Join(", ", applied)}; " : "") + "check their state and retry with a new request_id"));
            }

            var response = new V1.AcceleratorActionResponse();
            response.Accelerators.AddRange(outcomes.Select(o => ContractMapping.ToContract(o.View!)));
            return response;
        });
    }

    private static TimeSpan? DrainDeadline(Google.Protobuf.WellKnownTypes.Duration? deadline, FieldViolations violations)
    {
        if (deadline is null)
        {
            return null;
        }

        var valid = deadline.Seconds is > -1_000_000_000 and < 1_000_000_000 && deadline.Nanos is > -1_000_000_000 and < 1_000_000_000;
        var span = valid ? deadline.ToTimeSpan() : TimeSpan.MinValue;
        return violations.Check(span >= MinDrainDeadline && span <= MaxDrainDeadline, "deadline",
            $"must be {MinDrainDeadline.TotalSeconds:F0} s .. {MaxDrainDeadline.TotalDays:F0} days, or unset for no deadline (got {(valid ? span.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture) + " s" : "an invalid duration")})")
            ? span
            : null;
    }

    private static void ThrowRefusals(IReadOnlyList<string> ids, IReadOnlyList<AcceleratorOutcome> checks)
    {
        var unknown = new FieldViolations();
        var wrongState = new FieldViolations();
        var reused = new FieldViolations();
        for (var i = 0; i < checks.Count; i++)
        {
            var field = $"accelerator_ids[{i}]";
            switch (checks[i].Refusal)
            {
                case AcceleratorRefusal.None:
                    break;
                case AcceleratorRefusal.NotRegistered:
                    unknown.Add(field, $"no accelerator '{ids[i]}' is registered; list them with ListAccelerators");
                    break;
                case AcceleratorRefusal.RequestIdReused:
                    reused.Add("request_id", checks[i].Message);
                    break;
                default:
                    wrongState.Add(field, checks[i].Message);
                    break;
            }
        }

        reused.ThrowIfAny(StatusCode.InvalidArgument);
        unknown.ThrowIfAny(StatusCode.NotFound);
        wrongState.ThrowIfAny(StatusCode.FailedPrecondition);
    }
}
