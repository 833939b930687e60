using System.Diagnostics;

namespace ControlPlane.Silos.Hosting;

/// <summary>
/// The system clock, with timestamps that count from this provider's creation (the host's start) rather
/// than from the machine's boot. Orleans 10.4's silo watchdog reads its component-check timestamp before
/// its second thread first sets it, so with boot-based timestamps every start logged a stall as long as
/// the machine's uptime ("Participant check thread has not completed for 00:24:59") and degraded local
/// health. Counting from the host's start, that first reading is a few seconds and below the threshold.
/// Elapsed times, which are all Orleans computes from timestamps, are unchanged.
/// </summary>
public sealed class HostRelativeTimeProvider : TimeProvider
{
    // One tick before creation, so no timestamp is ever 0 (which code may read as "never set").
    private readonly long _origin = Stopwatch.GetTimestamp() - 1;

    /// <inheritdoc />
    public override long GetTimestamp() => Stopwatch.GetTimestamp() - _origin;

    /// <inheritdoc />
    public override long TimestampFrequency => Stopwatch.Frequency;
}
