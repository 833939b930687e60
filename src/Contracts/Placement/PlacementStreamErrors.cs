using ControlPlane.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace ControlPlane.Contracts.Placement;

/// <summary>
/// The two halves of a stream item's error: the silo folds a unary call's <see cref="RpcException"/> into a
/// <see cref="StreamError"/>, and the client unfolds it back into the exception the unary call would throw.
/// </summary>
public static class PlacementStreamErrors
{
    /// <summary>The error domain of the control plane's <c>google.rpc.ErrorInfo</c> details.</summary>
    public const string ErrorDomain = "controlplane.v1";

    /// <summary>The stream item's error for a unary call's exception: code, message, retry hint, bad fields and reason.</summary>
    public static StreamError ToStreamError(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var error = new StreamError { Code = (int)exception.StatusCode, Message = exception.Status.Detail };
        if (exception.GetRpcStatus() is not { } status)
        {
            return error;
        }

        foreach (var detail in status.Details)
        {
            if (detail.TryUnpack(out RetryInfo retry))
            {
                error.RetryAfter = retry.RetryDelay;
            }
            else if (detail.TryUnpack(out BadRequest bad))
            {
                error.Fields.AddRange(bad.FieldViolations.Select(v => v.Field));
            }
            else if (detail.TryUnpack(out ErrorInfo info))
            {
                error.Reason = info.Reason;
            }
        }

        return error;
    }

    /// <summary>The exception the unary call would have thrown for this stream item's error.</summary>
    /// <param name="error">The item's error.</param>
    /// <param name="fieldPrefix">
    /// The prefix the silo puts on a stream item's field names (<c>place.</c>, <c>complete.</c>, <c>renew.</c>),
    /// taken off so the fields are named as in the unary call's request.
    /// </param>
    public static RpcException ToException(StreamError error, string fieldPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(fieldPrefix);
        var status = new Google.Rpc.Status { Code = error.Code, Message = error.Message };
        if (error.Reason.Length > 0)
        {
            status.Details.Add(Any.Pack(new ErrorInfo { Domain = ErrorDomain, Reason = error.Reason }));
        }

        if (error.Fields.Count > 0)
        {
            var bad = new BadRequest();
            bad.FieldViolations.AddRange(error.Fields.Select(f => new BadRequest.Types.FieldViolation
            {
                Field = fieldPrefix.Length > 0 && f.StartsWith(fieldPrefix, StringComparison.Ordinal) ? f[fieldPrefix.Length..] : f,
                Description = error.Message,
            }));
            status.Details.Add(Any.Pack(bad));
        }

        if (error.RetryAfter is { } retryAfter)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = retryAfter }));
        }

        return status.ToRpcException();
    }
}
