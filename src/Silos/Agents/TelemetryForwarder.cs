using ControlPlane.Grains.Accelerators;

namespace ControlPlane.Silos.Agents;

/// <summary>
/// Forwards one stream's telemetry to the accelerator grains without making the stream wait for each
/// grain call. Telemetry is a snapshot, so while a report for an accelerator is in flight a newer one
/// replaces any still waiting (latest wins): a node that heartbeats faster than its grain can absorb
/// costs one grain call per round trip, not one per report, and nothing it reported is lost but
/// superseded snapshots. The first report of each accelerator is awaited by the caller, so the common
/// refusals (not registered, another node's accelerator) fail the stream at once.
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

    /// <summary>Reports folded into a newer one before they reached their grain.</summary>
    public long Superseded { get; private set; }

    /// <summary>
    /// Accepts one report. Returns the refusal of an accelerator's first report (awaited); later reports
    /// return None at once, and a later refusal or failure is signalled through the callbacks given at construction.
    /// </summary>
    public async ValueTask<AcceleratorRefusal> SubmitAsync(string acceleratorId, ulong sequence, AcceleratorTelemetry telemetry)
    {
        if (!_slots.TryGetValue(acceleratorId, out var slot))
        {
            var grain = grains.GetGrain<IAcceleratorGrain>(acceleratorId);
            var first = await grain.ReportTelemetryAsync(nodeId, sequence, telemetry);
            if (first == AcceleratorRefusal.None)
            {
                applied();
                _slots[acceleratorId] = new Slot(grain);
            }

            return first;
        }

        lock (slot)
        {
            if (slot.InFlight is not null)
            {
                if (slot.Pending is not null)
                {
                    Superseded++;
                }

                slot.Pending = (sequence, telemetry);
                return AcceleratorRefusal.None;
            }

            slot.InFlight = SendAsync(acceleratorId, slot, sequence, telemetry);
        }

        return AcceleratorRefusal.None;
    }

    /// <summary>Waits until every accepted report has reached its grain (at the end of the stream).</summary>
    public async Task DrainAsync()
    {
        foreach (var slot in _slots.Values)
        {
            Task? inFlight;
            lock (slot)
            {
                inFlight = slot.InFlight;
            }

            if (inFlight is not null)
            {
                await inFlight;
            }
        }
    }

    private async Task SendAsync(string acceleratorId, Slot slot, ulong sequence, AcceleratorTelemetry telemetry)
    {
        while (true)
        {
            var started = time.GetTimestamp();
            var stop = false;
            try
            {
                var refusal = await slot.Grain.ReportTelemetryAsync(nodeId, sequence, telemetry);
                if (refusal != AcceleratorRefusal.None)
                {
                    refused(acceleratorId, refusal);
                    stop = true;
                }
                else
                {
                    applied();
                }
            }
            catch (Exception ex)
            {
                failed(acceleratorId, ex);
                stop = true;
            }

            // Apply at most one snapshot per interval; whatever arrives meanwhile is folded into the latest.
            var rest = minimumApplyInterval - time.GetElapsedTime(started);
            if (!stop && rest > TimeSpan.Zero && HasPending(slot))
            {
                await Task.Delay(rest, time);
            }

            lock (slot)
            {
                if (stop || slot.Pending is not { } next)
                {
                    slot.Pending = null;
                    slot.InFlight = null;
                    return;
                }

                (sequence, telemetry) = next;
                slot.Pending = null;
            }
        }
    }

    private static bool HasPending(Slot slot)
    {
        lock (slot)
        {
            return slot.Pending is not null;
        }
    }

    private sealed class Slot(IAcceleratorGrain grain)
    {
        public IAcceleratorGrain Grain { get; } = grain;

        public Task? InFlight { get; set; }

        public (ulong Sequence, AcceleratorTelemetry Telemetry)? Pending { get; set; }
    }
}
