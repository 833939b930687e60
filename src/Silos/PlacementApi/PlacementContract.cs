using ControlPlane.Contracts.Placement;
using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Sessions;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Routing;
using ControlPlane.Silos.Contracts;
using ControlPlane.Silos.Validation;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.PlacementApi;

/// <summary>Maps placement requests and results between the wire and the grains, and results that are not placements to gRPC errors.</summary>
public static class PlacementContract
{
    /// <summary>The session grain's request for a validated wire request.</summary>
    public static SessionPlaceRequest ToDomain(V1.PlaceRequest request) => new(
        new PlacementAsk(
            request.SessionId,
            request.TenantId,
            request.Plan,
            request.Deployment,
            (ReasoningEffort)(int)request.ReasoningEffort,
            request.PromptTokens,
            request.ExpectedOutputTokens,
            request.LatencyClass == V1.LatencyClass.Unspecified ? null : (LatencyClass)(int)request.LatencyClass,
            null,
            0,
            request.Priority),
        request.DryRun);

    /// <summary>The wire response of a placed result.</summary>
    public static V1.PlaceResponse ToContract(PlacementResult result)
    {
        var placement = new V1.Placement
        {
            PlacementId = result.PlacementId,
            ReplicaId = result.ReplicaId,
            AcceleratorId = result.AcceleratorId,
            Endpoint = result.Endpoint,
            HardwareClass = ContractMapping.ToContract(result.HardwareClass),
            Pool = result.Pool,
            PredictedTimeToFirstToken = Duration.FromTimeSpan(TimeSpan.FromSeconds(result.PredictedTimeToFirstTokenSeconds)),
            PredictedTokensPerSecond = result.PredictedTokensPerSecond,
            PredictedCompletion = Duration.FromTimeSpan(TimeSpan.FromSeconds(Math.Min(result.PredictedCompletionSeconds, TimeSpan.FromDays(1).TotalSeconds))),
        };
        if (result.LeaseExpiresAt != default)
        {
            placement.LeaseExpireTime = Timestamp.FromDateTimeOffset(result.LeaseExpiresAt);
        }

        return new V1.PlaceResponse
        {
            Placement = placement,
            LatencyClass = (V1.LatencyClass)(int)result.LatencyClass,
            Reason = result.Message,
            Explanation = ToContract(result.Explanation, result.Message),
        };
    }

    /// <summary>The wire explanation.</summary>
    public static V1.PlacementExplanation ToContract(DecisionExplanation explanation, string summary)
    {
        var wire = new V1.PlacementExplanation
        {
            Considered = explanation.Considered,
            ScannedAll = explanation.ScannedAll,
            ReservationAttempts = explanation.ReservationAttempts,
            Summary = summary,
        };
        wire.Removed.AddRange(explanation.Removed.Select(r => new V1.FilterCount { Filter = r.Filter, Removed = r.Removed }));
        wire.WinnerScores.AddRange(explanation.WinnerScores.Select(s => new V1.ScoreTerm { Scorer = s.Scorer, Score = s.Score, Weight = s.Weight }));
        return wire;
    }

    /// <summary>The gRPC error for a result that is not a placement.</summary>
    public static RpcException ToException(PlacementResult result)
    {
        var (code, field) = result.Reason switch
        {
            RejectionReason.NotEntitled => (StatusCode.PermissionDenied, "plan"),
            RejectionReason.UnknownDeployment => (StatusCode.NotFound, "deployment"),
            RejectionReason.ContextTooLong => (StatusCode.InvalidArgument, "prompt_tokens"),
            RejectionReason.LimitExhausted or RejectionReason.NoCapacity or RejectionReason.SloUnattainable => (StatusCode.ResourceExhausted, ""),
            _ => (StatusCode.Unavailable, ""),
        };
        var message = result.Reason == RejectionReason.ContextTooLong
            ? "prompt_tokens plus expected_output_tokens (or the reasoning effort's default) exceed the deployment's context window"
            : result.Message;
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(new ErrorInfo { Domain = PlacementStreamErrors.ErrorDomain, Reason = ReasonName(result.Reason) }));
        if (field.Length > 0 && code == StatusCode.InvalidArgument)
        {
            status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = message } } }));
        }

        if (result.RetryAfter > TimeSpan.Zero && code is StatusCode.ResourceExhausted or StatusCode.Unavailable)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(result.RetryAfter) }));
        }

        return status.ToRpcException();
    }

    /// <summary>The gRPC error for a refused session call.</summary>
    public static RpcException ToException(SessionRefusal refusal, string message) => refusal switch
    {
        SessionRefusal.OwnedByAnotherTenant => FieldViolations.Single(StatusCode.PermissionDenied, "tenant_id", message),
        _ => FieldViolations.Single(StatusCode.NotFound, "placement_id", message),
    };

    /// <summary>ErrorInfo reason of a rejection, e.g. <c>NO_CAPACITY</c>.</summary>
    public static string ReasonName(RejectionReason reason) => reason switch
    {
        RejectionReason.NotEntitled => "NOT_ENTITLED",
        RejectionReason.ContextTooLong => "CONTEXT_TOO_LONG",
        RejectionReason.NoReplicas => "NO_REPLICAS",
        RejectionReason.NoReadyReplica => "NO_READY_REPLICA",
        RejectionReason.NoCapacity => "NO_CAPACITY",
        RejectionReason.LimitExhausted => "LIMIT_EXHAUSTED",
        RejectionReason.SloUnattainable => "SLO_UNATTAINABLE",
        RejectionReason.UnknownDeployment => "UNKNOWN_DEPLOYMENT",
        _ => "REJECTED",
    };
}
