using ControlPlane.Silos.Errors;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlPlane.Silos.Tests;

public class TransientFailureInterceptorTests
{
    private readonly TransientFailureInterceptor _interceptor = new(NullLogger<TransientFailureInterceptor>.Instance);

    [Fact]
    public async Task A_grain_call_timeout_becomes_unavailable_with_a_retry_hint()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _interceptor.UnaryServerHandler<string, string>("x", new Context(), (_, _) => throw new TimeoutException("response did not arrive on time")));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("retry with backoff", error.Status.Detail);
    }

    [Fact]
    public async Task Refusals_and_programming_errors_pass_through_unchanged()
    {
        var refusal = new RpcException(new Status(StatusCode.NotFound, "no such thing"));

        var passed = await Assert.ThrowsAsync<RpcException>(() =>
            _interceptor.UnaryServerHandler<string, string>("x", new Context(), (_, _) => throw refusal));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _interceptor.UnaryServerHandler<string, string>("x", new Context(), (_, _) => throw new InvalidOperationException("bug")));

        Assert.Same(refusal, passed);
    }

    private sealed class Context : ServerCallContext
    {
        protected override string MethodCore => "/test/Method";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore => new(null, []);
        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();
        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
