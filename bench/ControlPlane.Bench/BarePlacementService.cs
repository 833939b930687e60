using ControlPlane.Contracts.V1;
using Grpc.Core;

namespace ControlPlane.Bench;

/// <summary>
/// The baseline of the gRPC benchmark: the same PlacementService contract on the same Kestrel settings,
/// answering every call at once with a canned reply of the real reply's shape.
/// </summary>
public sealed class BarePlacementService : PlacementService.PlacementServiceBase
{
    private static readonly PlaceResponse Placed = new()
    {
        Placement = new ControlPlane.Contracts.V1.Placement
        {
            PlacementId = $"pl-{Guid.Empty:N}", ReplicaId = "fast-coder-1", AcceleratorId = "bench-wafer-000-cs3", Endpoint = "sim://bench-wafer-000/fast-coder-1",
            HardwareClass = HardwareClass.WaferScale, Pool = "wafer-scale/us-east/use1-az1", PredictedTokensPerSecond = 2_800,
        },
        LatencyClass = LatencyClass.Interactive,
        Reason = "fast-coder-1 on bench-wafer-000-cs3 (wafer-scale/us-east/use1-az1) as Interactive",
    };

    private static readonly CompleteResponse Completed = new() { SessionWaferTokens = 1 };

    public override Task<PlaceResponse> Place(PlaceRequest request, ServerCallContext context) => Task.FromResult(Placed);

    public override Task<CompleteResponse> Complete(CompleteRequest request, ServerCallContext context) => Task.FromResult(Completed);

    public override async Task PlaceStream(IAsyncStreamReader<PlacementStreamRequest> requestStream, IServerStreamWriter<PlacementStreamResponse> responseStream, ServerCallContext context)
    {
        await foreach (var item in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var reply = new PlacementStreamResponse { CorrelationId = item.CorrelationId };
            if (item.BodyCase == PlacementStreamRequest.BodyOneofCase.Place)
            {
                reply.Placed = Placed;
            }
            else
            {
                reply.Completed = Completed;
            }

            await responseStream.WriteAsync(reply);
        }
    }
}
