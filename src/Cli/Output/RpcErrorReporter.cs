using Google.Rpc;
using Grpc.Core;

namespace ControlPlane.Cli.Output;

/// <summary>Turns a failed call into lines an operator can act on: the status, each bad field, and what to do next.</summary>
public static class RpcErrorReporter
{
    /// <summary>Exit code of a call the server refused or could not answer.</summary>
    public const int FailureExitCode = 1;

    /// <summary>Writes <paramref name="error"/> to <paramref name="stderr"/> and returns the exit code.</summary>
    public static int Report(RpcException error, Uri endpoint, TextWriter stderr)
    {
        var status = error.GetRpcStatus();
        var violations = status?.GetDetail<BadRequest>()?.FieldViolations ?? [];
        var message = violations.Count > 0 ? "the request was refused" : error.Status.Detail;
        stderr.WriteLine($"error: {CodeName(error.StatusCode)}: {message}");
        foreach (var violation in violations)
        {
            stderr.WriteLine($"  {violation.Field}: {violation.Description}");
        }

        var hint = error.StatusCode switch
        {
            StatusCode.Unavailable => $"cannot reach the control plane at {endpoint}; check --endpoint or CPCTL_ENDPOINT and that the silo is running",
            StatusCode.Unauthenticated => "pass a valid token with --token or CPCTL_TOKEN",
            StatusCode.PermissionDenied => "this token's role may not do that; use an operator token",
            StatusCode.DeadlineExceeded => "the call timed out; retry, or raise --timeout",
            _ => null,
        };
        if (hint is not null)
        {
            stderr.WriteLine($"hint: {hint}");
        }

        return FailureExitCode;
    }

    private static string CodeName(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.Aborted => "ABORTED",
        _ => code.ToString().ToUpperInvariant(),
    };
}
