using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace ControlPlane.Bench;

/// <summary>
/// The load generator: one persistent stream per simulated accelerator, each writing telemetry as fast
/// as its stream accepts it. The same driver runs against the bare server and the control plane.
/// </summary>
public sealed class TelemetryLoad(Uri endpoint, int accelerators, string prefix, bool register)
{
    private readonly List<(AsyncDuplexStreamingCall<AgentMessage, ServerMessage> Call, string AcceleratorId)> _streams = [];
    private GrpcChannel? _channel;

    /// <summary>Registers (when asked) and opens every stream, waiting for each Welcome.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
        });
        var client = new AgentService.AgentServiceClient(_channel);
        await Parallel.ForEachAsync(Enumerable.Range(0, accelerators), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var nodeId = $"{prefix}-{i:D5}";
            var headers = new Metadata { { "authorization", $"Bearer {BearerToken.Issue(DevelopmentSigningKey.Bytes, CallerRole.Agent, nodeId)}" } };
            if (register)
            {
                var request = new RegisterRequest { NodeId = nodeId, AgentVersion = "bench" };
                request.Accelerators.Add(new AcceleratorSpec
                {
                    AcceleratorId = nodeId,
                    HardwareClass = HardwareClass.WaferScale,
                    Sku = "cs3",
                    MemoryBytes = 44_000_000_000,
                    Location = new Location { Region = "bench", Zone = $"z{i % 4}" },
                });
                await client.RegisterAsync(request, headers, cancellationToken: ct);
            }

            var call = client.Connect(headers, cancellationToken: cancellationToken);
            await call.RequestStream.WriteAsync(new AgentMessage { Hello = new Hello { NodeId = nodeId } }, ct);
            if (!await call.ResponseStream.MoveNext(ct))
            {
                throw new InvalidOperationException($"stream {nodeId} closed before Welcome");
            }

            lock (_streams)
            {
                _streams.Add((call, nodeId));
            }
        });
    }

    /// <summary>Writes telemetry on every stream until <paramref name="cancellationToken"/> fires; returns the messages written.</summary>
    public async Task<long> RunAsync(CancellationToken cancellationToken)
    {
        var written = 0L;
        await Task.WhenAll(_streams.Select(s => Task.Run(async () =>
        {
            ulong sequence = 0;
            var telemetry = new AcceleratorTelemetry { Utilization = 0.5, ActiveStreams = 4, TokensPerSecond = 4400, FreeMemoryBytes = 10_000_000_000, Health = HealthStatus.Healthy };
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    await s.Call.RequestStream.WriteAsync(new AgentMessage
                    {
                        Telemetry = new TelemetryReport { AcceleratorId = s.AcceleratorId, Sequence = ++sequence, Telemetry = telemetry },
                    }, CancellationToken.None);
                    Interlocked.Increment(ref written);
                }
            }
            catch (RpcException ex)
            {
                throw new InvalidOperationException($"stream {s.AcceleratorId} failed: {ex.Status}", ex);
            }
        }, CancellationToken.None)));
        return written;
    }

    /// <summary>Closes every stream with a goodbye.</summary>
    public async Task CloseAsync()
    {
        foreach (var (call, _) in _streams)
        {
            try
            {
                await call.RequestStream.WriteAsync(new AgentMessage { Goodbye = new Goodbye { Reason = "bench done" } });
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
            {
            }

            call.Dispose();
        }

        _channel?.Dispose();
    }
}
