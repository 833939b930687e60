using ControlPlane.Contracts.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ControlPlane.Silos.Security;

/// <summary>
/// Authenticates every gRPC call from its bearer token and checks the caller's role against
/// <see cref="MethodAccessPolicy"/>; services read the identity with <see cref="CallerContext.Caller"/>.
/// </summary>
public sealed class AuthInterceptor(TokenAuthenticator authenticator) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var allowed = MethodAccessPolicy.AllowedRoles(context.Method)
            ?? throw new RpcException(new Status(StatusCode.PermissionDenied, $"no role may call {context.Method}"));
        if (allowed.Count == 0)
        {
            return;
        }

        var caller = authenticator.Authenticate(context.RequestHeaders.GetValue("authorization"), out var error)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, error));
        if (!allowed.Contains(caller.Role))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"role '{BearerToken.RoleName(caller.Role)}' may not call {context.Method}; it needs a token with role {string.Join(" or ", allowed.Select(BearerToken.RoleName))}"));
        }

        context.UserState[CallerContext.Key] = caller;
    }
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
