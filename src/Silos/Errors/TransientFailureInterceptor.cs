using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ControlPlane.Silos.Errors;

/// <summary>
/// Turns the cluster's transient failures (a grain call that timed out, a silo that went away) into
/// UNAVAILABLE with a retry hint, instead of the UNKNOWN a client would otherwise see.
/// </summary>
public sealed partial class TransientFailureInterceptor(ILogger<TransientFailureInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            throw Unavailable(context, ex);
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            throw Unavailable(context, ex);
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is TimeoutException or Orleans.Runtime.OrleansException or Orleans.Runtime.SiloUnavailableException;

    private RpcException Unavailable(ServerCallContext context, Exception ex)
    {
        LogTransient(logger, context.Method, ex.GetType().Name, ex.Message);
        return new RpcException(new Status(StatusCode.Unavailable, $"the control plane could not complete the call ({ex.GetType().Name}); retry with backoff"));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} failed transiently with {Type}: {Error}")]
    private static partial void LogTransient(ILogger logger, string method, string type, string error);
}
