using ControlPlane.Contracts.V1;
using Grpc.Core;

namespace ControlPlane.Silos.Tests.Infrastructure;

/// <summary>Raw PlaceStream messages for tests that speak the wire protocol without the gateway client.</summary>
public static class StreamItems
{
    /// <summary>A message of one item.</summary>
    public static PlacementStreamRequestBatch One(PlacementStreamRequest item) => new() { Items = { item } };

    /// <summary>The next reply when exactly one is expected.</summary>
    public static async Task<PlacementStreamResponse> NextAsync(IAsyncStreamReader<PlacementStreamResponseBatch> replies)
    {
        Assert.True(await replies.MoveNext(), "the stream ended before the reply");
        return Assert.Single(replies.Current.Items);
    }

    /// <summary>Every reply until the stream ends, batches flattened.</summary>
    public static async Task<List<PlacementStreamResponse>> ReadAllAsync(IAsyncStreamReader<PlacementStreamResponseBatch> replies)
    {
        var all = new List<PlacementStreamResponse>();
        while (await replies.MoveNext())
        {
            all.AddRange(replies.Current.Items);
        }

        return all;
    }
}
