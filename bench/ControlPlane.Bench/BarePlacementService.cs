using ControlPlane.Contracts.V1;
using Grpc.Core;

namespace ControlPlane.Bench;

/// <summary>
/// The replies the bare server gives. Until the benchmark swaps in a copy of a real reply from the control
/// plane (same fields, same explanation, same size on the wire), a hand-made one of the same shape.
/// </summary>
public sealed class CannedPlacementReplies
{
    /// <summary>The reply to every Place.</summary>
    public PlaceResponse Placed { get; set; } = new()
    {
        Placement = new ControlPlane.Contracts.V1.Placement
        {
            PlacementId = $"pl-{Guid.Empty:N}", ReplicaId = "fast-coder-1", AcceleratorId = "bench-wafer-000-cs3", Endpoint = "sim://bench-wafer-000/fast-coder-1",
            HardwareClass = HardwareClass.WaferScale, Pool = "wafer-scale/us-east/use1-az1", PredictedTokensPerSecond = 2_800,
        },
        LatencyClass = LatencyClass.Interactive,
        Reason = "fast-coder-1 on bench-wafer-000-cs3 (wafer-scale/us-east/use1-az1) as Interactive",
    };

    /// <summary>The reply to every Complete.</summary>
    public CompleteResponse Completed { get; set; } = new() { SessionWaferTokens = 1 };
}

/// <summary>
/// The baseline of the gRPC benchmark: the same PlacementService contract on the same Kestrel settings,
/// answering every call at once with a canned reply.
/// </summary>
public sealed class BarePlacementService(CannedPlacementReplies canned) : PlacementService.PlacementServiceBase
{
    public override Task<PlaceResponse> Place(PlaceRequest request, ServerCallContext context) => Task.FromResult(canned.Placed);

    public override Task<CompleteResponse> Complete(CompleteRequest request, ServerCallContext context) => Task.FromResult(canned.Completed);

    public override async Task PlaceStream(IAsyncStreamReader<PlacementStreamRequestBatch> requestStream, IServerStreamWriter<PlacementStreamResponseBatch> responseStream, ServerCallContext context)
    {
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var replies = new PlacementStreamResponseBatch();
            foreach (var item in batch.Items)
            {
                var reply = new PlacementStreamResponse { CorrelationId = item.CorrelationId };
                if (item.BodyCase == PlacementStreamRequest.BodyOneofCase.Place)
                {
                    reply.Placed = canned.Placed;
                }
                else
                {
                    reply.Completed = canned.Completed;
                }

                replies.Items.Add(reply);
            }

            await responseStream.WriteAsync(replies);
        }
    }
}
