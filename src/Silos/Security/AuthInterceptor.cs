using ControlPlane.Contracts.Security;
using ControlPlane.Silos.Audit;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ControlPlane.Silos.Security;

/// <summary>
/// Authenticates every gRPC call from its bearer token and checks the caller's role against
/// <see cref="MethodAccessPolicy"/>; services read the identity with <see cref="CallerContext.Caller"/>.
/// A refused operator action is put on record by <see cref="RefusedAttemptAudit"/>.
/// </summary>
public sealed partial class AuthInterceptor(TokenAuthenticator authenticator, RefusedAttemptAudit refusedAttempts, ILogger<AuthInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        Authorize(context) is { } refusal
            ? RefuseAsync<TResponse>(context, request, refusal)
            : continuation(request, context);

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Authorize(context) is { } refusal
            ? RefuseAsync<TResponse>(context, null, refusal)
            : continuation(requestStream, context);

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Authorize(context) is { } refusal
            ? RefuseAsync<bool>(context, request, refusal)
            : continuation(request, responseStream, context);

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Authorize(context) is { } refusal
            ? RefuseAsync<bool>(context, null, refusal)
            : continuation(requestStream, responseStream, context);

    // Null when the call may go ahead (the caller is then in the context); the refusal and who was refused otherwise.
    private (RpcException Error, CallerIdentity? Caller)? Authorize(ServerCallContext context)
    {
        var allowed = MethodAccessPolicy.AllowedRoles(context.Method);
        if (allowed is null)
        {
            return (new RpcException(new Status(StatusCode.PermissionDenied, $"no role may call {context.Method}")), null);
        }

        if (allowed.Count == 0)
        {
            return null;
        }

        var caller = authenticator.Authenticate(context.RequestHeaders.GetValue("authorization"), out var error);
        if (caller is null)
        {
            return (new RpcException(new Status(StatusCode.Unauthenticated, error)), null);
        }

        if (!allowed.Contains(caller.Role))
        {
            return (new RpcException(new Status(StatusCode.PermissionDenied,
                $"role '{BearerToken.RoleName(caller.Role)}' may not call {context.Method}; it needs a token with role {string.Join(" or ", allowed.Select(BearerToken.RoleName))}")), caller);
        }

        context.UserState[CallerContext.Key] = caller;
        return null;
    }

    // The caller gets the refusal whatever happens to its record: this interceptor is the outermost, and
    // an exception of the audit log's would otherwise reach the caller as UNKNOWN.
    private async Task<T> RefuseAsync<T>(ServerCallContext context, object? request, (RpcException Error, CallerIdentity? Caller) refusal)
    {
        try
        {
            await refusedAttempts.RecordAsync(context.Method, refusal.Caller, request, refusal.Error, context.CancellationToken);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            LogRefusalNotRecorded(logger, context.Method, ex.Message);
        }

        throw refusal.Error;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A refused call to {Method} could not be recorded in the audit log: {Error}")]
    private static partial void LogRefusalNotRecorded(ILogger logger, string method, string error);
}

/// <summary>Reads the authenticated caller from a call context.</summary>
public static class CallerContext
{
    internal const string Key = "controlplane.caller";

    /// <summary>The caller <see cref="AuthInterceptor"/> authenticated.</summary>
    public static CallerIdentity Caller(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var caller) && caller is CallerIdentity identity
            ? identity
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "the call was not authenticated"));
}
