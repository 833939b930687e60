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
        if (TransportMismatch(error, endpoint) is { } mismatch)
        {
            stderr.WriteLine($"error: cannot talk gRPC to {endpoint}: {mismatch.What}");
            stderr.WriteLine($"hint: {mismatch.Hint}");
            return FailureExitCode;
        }

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

    // The call never reached a gRPC service because the address speaks another protocol: say which, and
    // what to use instead, rather than the transport's own words (HTTP_1_1_REQUIRED, a TLS frame error).
    private static (string What, string Hint)? TransportMismatch(RpcException error, Uri endpoint)
    {
        var causes = new List<Exception>();
        for (var cause = error.Status.DebugException; cause is not null; cause = cause.InnerException)
        {
            causes.Add(cause);
        }

        var text = string.Join(" ", causes.Select(c => c.Message)) + " " + error.Status.Detail;
        if (text.Contains("HTTP_1_1_REQUIRED", StringComparison.Ordinal))
        {
            return ($"{endpoint.Authority} answers HTTP/1.1 only, so it is not the silo's gRPC port (it looks like the /metrics and /healthz port)",
                $"point --endpoint or {Connection.ControlPlaneConnection.EndpointVariable} at the gRPC port (ControlPlane:Endpoints:GrpcPort, default 5100), e.g. {endpoint.Scheme}://{endpoint.Host}:5100");
        }

        if (endpoint.Scheme == Uri.UriSchemeHttps && causes.Any(c => c is System.Security.Authentication.AuthenticationException))
        {
            var plain = new UriBuilder(endpoint) { Scheme = Uri.UriSchemeHttp, Port = endpoint.Port }.Uri;
            return ($"the TLS handshake with {endpoint.Authority} failed; the silo serves gRPC without TLS unless configured otherwise",
                $"use {plain.GetLeftPart(UriPartial.Authority)} (http://), or check the server's TLS certificate if it does serve TLS");
        }

        return null;
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
