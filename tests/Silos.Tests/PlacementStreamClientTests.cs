using ControlPlane.Contracts.Placement;
using ControlPlane.Contracts.V1;
using ControlPlane.Silos.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;

namespace ControlPlane.Silos.Tests;

/// <summary>
/// The gateway's PlaceStream client against a real silo: many callers share one stream, and every
/// outcome (placed, refused, broken stream, cancelled, disposed) reaches the right caller as the unary
/// call would report it.
/// </summary>
public sealed class PlacementStreamClientTests(PlacementFleetFixture fixture) : IClassFixture<PlacementFleetFixture>
{
    private const string Fast = PlacementFleetFixture.Fast;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private ControlPlaneFixture Plane => fixture.Plane;

    [Fact]
    public async Task Concurrent_callers_share_one_stream_and_every_slot_is_released()
    {
        var reservedBefore = await fixture.ReservedSlotsAsync();
        await using var stream = new PlacementStreamClient(Plane.Placement, Plane.Gateway);

        // 12 sessions at once, eight turns each: the fast replicas hold 22 streams, which leaves room for
        // releases of this class's other tests still on their way (release is one-way).
        var turns = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var placedOn = new List<HardwareClass>();
            for (var turn = 0; turn < 8; turn++)
            {
                var placed = await stream.PlaceAsync(Models.Turn(Fast, $"client-{i}"));
                placedOn.Add(placed.Placement.HardwareClass);
                var completed = await stream.CompleteAsync(new CompleteRequest
                {
                    SessionId = $"client-{i}", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId, PromptTokens = 100, OutputTokens = 10,
                });
                Assert.False(completed.AlreadyCompleted);
            }

            return placedOn;
        }));

        Assert.All(turns.SelectMany(t => t), c => Assert.Equal(HardwareClass.WaferScale, c));
        await Eventually.Until(fixture.ReservedSlotsAsync, n => n == reservedBefore, Wait, "all 96 placements' slots to be released");
    }

    [Fact]
    public async Task A_refused_item_throws_what_the_unary_call_throws()
    {
        await using var stream = new PlacementStreamClient(Plane.Placement, Plane.Gateway);
        var unentitled = Models.Turn(Fast, "client-free", plan: "free");

        var streamed = await RpcAssert.Fails(StatusCode.PermissionDenied, () => stream.PlaceAsync(unentitled));
        var unary = await RpcAssert.Fails(StatusCode.PermissionDenied, () => Plane.Placement.PlaceAsync(unentitled, Plane.Gateway).ResponseAsync);
        Assert.Equal(unary.Status.Detail, streamed.Status.Detail);
        Assert.Equal("NOT_ENTITLED", streamed.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);

        // Field names as in the unary request, not the stream item's "place." path.
        await RpcAssert.FailsOnField(StatusCode.InvalidArgument, "plan", () => stream.PlaceAsync(Models.Turn(Fast, "client-bad").With(r => r.Plan = "platinum")));
        await RpcAssert.FailsOnField(StatusCode.NotFound, "placement_id", () => stream.CompleteAsync(new CompleteRequest
        {
            SessionId = "client-unknown", TenantId = "tenant-a", PlacementId = $"pl-{Guid.NewGuid():N}", PromptTokens = 1, OutputTokens = 1,
        }));

        // The stream went on: the next call is placed.
        var placed = await stream.PlaceAsync(Models.Turn(Fast, "client-after-errors"));
        await stream.CompleteAsync(new CompleteRequest { SessionId = "client-after-errors", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId, PromptTokens = 1, OutputTokens = 1 });
    }

    [Fact]
    public async Task A_stream_the_silo_refuses_fails_each_call_with_its_status_and_the_next_call_opens_a_new_stream()
    {
        await using var stream = new PlacementStreamClient(Plane.Placement, new Metadata { { "authorization", "Bearer not-a-token" } });

        // Each call finds the last stream broken and opens a new one, which the silo refuses again. The silo's
        // status reaches the caller even when the stream's write fails first (its error is only "cancelled").
        for (var i = 0; i < 5; i++)
        {
            await RpcAssert.Fails(StatusCode.Unauthenticated, () => stream.PlaceAsync(Models.Turn(Fast, "client-unauthenticated")));
        }
    }

    [Fact]
    public async Task A_call_cancelled_before_it_is_sent_places_nothing_and_the_stream_goes_on()
    {
        var reservedBefore = await fixture.ReservedSlotsAsync();
        await using var stream = new PlacementStreamClient(Plane.Placement, Plane.Gateway);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.PlaceAsync(Models.Turn(Fast, "client-cancelled"), cancelled.Token));

        Assert.Equal(reservedBefore, await fixture.ReservedSlotsAsync());
        var placed = await stream.PlaceAsync(Models.Turn(Fast, "client-cancelled"));
        await stream.CompleteAsync(new CompleteRequest { SessionId = "client-cancelled", TenantId = "tenant-a", PlacementId = placed.Placement.PlacementId, PromptTokens = 1, OutputTokens = 1 });
    }

    [Fact]
    public async Task Disposing_waits_for_the_answers_to_calls_already_sent_then_refuses_new_calls()
    {
        var stream = new PlacementStreamClient(Plane.Placement, Plane.Gateway);
        var sent = Enumerable.Range(0, 6).Select(i => stream.PlaceAsync(Models.Turn(Fast, $"client-dispose-{i}"))).ToArray();

        await stream.DisposeAsync();

        Assert.All(sent, t => Assert.True(t.IsCompletedSuccessfully, t.Exception?.Message));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.PlaceAsync(Models.Turn(Fast, "client-dispose-late")));
        for (var i = 0; i < sent.Length; i++)
        {
            await Plane.Placement.CompleteAsync(new CompleteRequest
            {
                SessionId = $"client-dispose-{i}", TenantId = "tenant-a", PlacementId = (await sent[i]).Placement.PlacementId, PromptTokens = 1, OutputTokens = 1,
            }, Plane.Gateway);
        }
    }

    [Theory]
    [InlineData(0, 10, "MaxQueuedRequests")]
    [InlineData(70_000, 10, "MaxQueuedRequests")]
    [InlineData(16, -1, "CloseTimeout")]
    [InlineData(16, 301, "CloseTimeout")]
    public void Options_out_of_range_are_refused_naming_the_option(int maxQueued, int closeSeconds, string option)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PlacementStreamClient(Plane.Placement, Plane.Gateway,
            new PlacementStreamClientOptions { MaxQueuedRequests = maxQueued, CloseTimeout = TimeSpan.FromSeconds(closeSeconds) }));

        Assert.Equal(option, error.ParamName);
    }
}
