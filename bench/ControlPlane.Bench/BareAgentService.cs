using ControlPlane.Contracts.V1;
using Grpc.Core;

namespace ControlPlane.Bench;

/// <summary>
/// The baseline: the same AgentService contract on the same Kestrel settings, doing nothing but count
/// the telemetry it reads. The control plane's rate is reported as a fraction of this one.
/// </summary>
public sealed class BareAgentService(TelemetryCounter counter) : AgentService.AgentServiceBase
{
    public override Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context) =>
        Task.FromResult(new RegisterResponse());

    public override async Task Connect(IAsyncStreamReader<AgentMessage> requestStream, IServerStreamWriter<ServerMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return;
        }

        await responseStream.WriteAsync(new ServerMessage { Welcome = new Welcome() });
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                if (requestStream.Current.BodyCase == AgentMessage.BodyOneofCase.Telemetry)
                {
                    counter.Increment();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Counts telemetry messages the bare server read.</summary>
public sealed class TelemetryCounter
{
    private long _count;

    public long Value => Interlocked.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);
}
