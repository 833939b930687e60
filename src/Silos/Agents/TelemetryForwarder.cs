using ControlPlane.Grains.Accelerators;

namespace ControlPlane.Silos.Agents;

/// <summary>
/// Forwards one stream's telemetry to the accelerator grains without making the stream wait for each
/// grain call. Telemetry is a snapshot, so each accelerator's grain receives at most one snapshot per
/// <c>minimumApplyInterval</c>, and reports arriving meanwhile replace the one waiting (latest wins):
/// a node that reports faster than that costs its grain nothing extra, and nothing it reported is lost
/// but superseded snapshots. The first report of each accelerator is awaited by the caller, so the
/// common refusals (not registered, another node's accelerator) fail the stream at once; later ones are
/// signalled through the callbacks.
/// </summary>
public sealed class TelemetryForwarder(
    string nodeId,
    IGrainFactory grains,
    Action<string, AcceleratorRefusal> refused,
    Action<string, Exception> failed,
    Action applied,
    TimeSpan minimumApplyInterval,
    TimeProvider time)
{
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>Accepts one report; see the class remarks for when refusals surface.</summary>
    public async ValueTask<AcceleratorRefusal> SubmitAsync(string acceleratorId, ulong sequence, AcceleratorTelemetry telemetry)
    {
        if (!_slots.TryGetValue(acceleratorId, out var slot))
        {
            var grain = grains.GetGrain<IAcceleratorGrain>(acceleratorId);
            var appliedAt = time.GetTimestamp();
            var first = await grain.ReportTelemetryAsync(nodeId, sequence, telemetry);
            if (first == AcceleratorRefusal.None)
            {
                applied();
                _slots[acceleratorId] = new Slot(grain, appliedAt);
            }

            return first;
        }

        bool start;
        lock (slot)
        {
            slot.Pending = (sequence, telemetry);
            start = !slot.Sending;
            slot.Sending = true;
        }

        if (start)
        {
            slot.Sender = SendAsync(acceleratorId, slot);
        }

        return AcceleratorRefusal.None;
    }

    /// <summary>Waits until every accepted report has reached its grain (at the end of the stream).</summary>
    public async Task DrainAsync()
    {
        foreach (var slot in _slots.Values)
        {
            if (slot.Sender is { } sender)
            {
                await sender;
            }
        }
    }

    // One sender per accelerator at a time: waits out the apply interval, then applies the latest snapshot.
    private async Task SendAsync(string acceleratorId, Slot slot)
    {
        while (true)
        {
            var wait = minimumApplyInterval - time.GetElapsedTime(slot.LastAppliedAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time);
            }

            (ulong Sequence, AcceleratorTelemetry Telemetry) next;
            lock (slot)
            {
                if (slot.Pending is not { } pending)
                {
                    slot.Sending = false;
                    return;
                }

                next = pending;
                slot.Pending = null;
            }

            slot.LastAppliedAt = time.GetTimestamp();
            try
            {
                var refusal = await slot.Grain.ReportTelemetryAsync(nodeId, next.Sequence, next.Telemetry);
                if (refusal == AcceleratorRefusal.None)
                {
                    applied();
                    continue;
                }

                refused(acceleratorId, refusal);
            }
            catch (Exception ex)
            {
                failed(acceleratorId, ex);
            }

            lock (slot)
            {
                slot.Pending = null;
                slot.Sending = false;
            }

            return;
        }
    }

    private sealed class Slot(IAcceleratorGrain grain, long lastAppliedAt)
    {
        public IAcceleratorGrain Grain { get; } = grain;

        public long LastAppliedAt { get; set; } = lastAppliedAt;

        public bool Sending { get; set; }

        public Task? Sender { get; set; }

        public (ulong Sequence, AcceleratorTelemetry Telemetry)? Pending { get; set; }
    }
}
