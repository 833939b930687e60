namespace ControlPlane.Contracts.Placement;

/// <summary>Limits of a <see cref="PlacementStreamClient"/>.</summary>
public sealed record PlacementStreamClientOptions
{
    /// <summary>
    /// Requests waiting to be written before a caller waits for room (1..65536, default 1024). The silo
    /// works on 256 requests of a stream at once and stops reading beyond that, so this bounds the
    /// client's memory when the silo is slower than its callers.
    /// </summary>
    public int MaxQueuedRequests { get; init; } = 1024;

    /// <summary>How long disposing waits for the answers to calls already sent (0..5 min, default 10 s).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws naming the first option out of range.</summary>
    public void Validate()
    {
        if (MaxQueuedRequests is < 1 or > 65_536)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedRequests), MaxQueuedRequests, "MaxQueuedRequests must be 1..65536");
        }

        if (CloseTimeout < TimeSpan.Zero || CloseTimeout > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(CloseTimeout), CloseTimeout, "CloseTimeout must be 0..5 minutes");
        }
    }
}
