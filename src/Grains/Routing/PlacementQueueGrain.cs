using ControlPlane.Placement.Queueing;
using ControlPlane.Placement.Routing;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ControlPlane.Grains.Routing;

/// <summary>
/// Holds a deployment's queued long-horizon jobs in a <see cref="FairQueue{T}"/> and pumps it while it
/// is not empty: the job at the head is offered to the router; when it is placed the next is tried;
/// when it is not, the pump waits for the next tick (slots free as jobs complete).
/// </summary>
[Reentrant]
public sealed class PlacementQueueGrain(IOptions<PlacementOptions> options, PlacementRouters routers, TimeProvider time) : Grain, IPlacementQueueGrain
{
    private static readonly TimeSpan PumpInterval = TimeSpan.FromMilliseconds(200);
    private readonly FairQueue<Waiter> _queue = new();
    private IGrainTimer? _pump;
    private bool _pumping;

    /// <inheritdoc />
    public async Task<PlacementResult> WaitForPlacementAsync(PlacementAsk ask, string placementId, TimeSpan maxWait)
    {
        var now = time.GetUtcNow();
        var waiter = new Waiter(ask, placementId, now, now + maxWait);
        _queue.Enqueue(ask.TenantId, ask.Priority, waiter);
        _pump ??= this.RegisterGrainTimer(_ => PumpAsync(), new GrainTimerCreationOptions
        {
            DueTime = PumpInterval,
            Period = PumpInterval,
            Interleave = true,
            KeepAlive = true,
        });
        return await waiter.Placed.Task;
    }

    /// <inheritdoc />
    public Task<int> GetLengthAsync() => Task.FromResult(_queue.Count);

    private async Task PumpAsync()
    {
        if (_pumping)
        {
            return;
        }

        _pumping = true;
        try
        {
            var now = time.GetUtcNow();
            _queue.RemoveWhere(w => w.GiveUpAt <= now && w.Placed.TrySetResult(PlacementResult.NotPlaced(
                PlacementOutcome.Rejected, RejectionReason.NoCapacity,
                $"waited {(now - w.QueuedAt).TotalSeconds:F0}s in the queue of deployment '{this.GetPrimaryKeyString()}' without a free slot",
                Placement.Deployments.LatencyClass.LongHorizon, options.Value.Engine.FullRetryAfter, DecisionExplanation.None)));

            while (_queue.TryPeek(out var head))
            {
                var result = await routers.PlaceAsync(head.Ask, head.PlacementId, dryRun: false);
                if (result.Outcome == PlacementOutcome.Queued)
                {
                    break; // still no room: keep the line as it is until the next tick
                }

                _queue.RemoveWhere(w => ReferenceEquals(w, head)); // the head may have changed while placing
                head.Placed.TrySetResult(result);
            }

            if (_queue.Count == 0)
            {
                _pump?.Dispose();
                _pump = null;
            }
        }
        finally
        {
            _pumping = false;
        }
    }

    private sealed class Waiter(PlacementAsk ask, string placementId, DateTimeOffset queuedAt, DateTimeOffset giveUpAt)
    {
        public PlacementAsk Ask { get; } = ask;

        public string PlacementId { get; } = placementId;

        public DateTimeOffset GiveUpAt { get; } = giveUpAt;

        public DateTimeOffset QueuedAt { get; } = queuedAt;

        public TaskCompletionSource<PlacementResult> Placed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
