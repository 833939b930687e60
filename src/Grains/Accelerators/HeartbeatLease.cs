namespace ControlPlane.Grains.Accelerators;

/// <summary>
/// An accelerator's heartbeat lease: each heartbeat renews it, and a periodic check finds it expired when
/// the node has gone silent. A check that runs late (more than one interval behind) means this silo was too
/// busy to run it on time, and so possibly too busy to read the heartbeats that arrived meanwhile: the
/// lease is extended by that lateness instead of the node being declared lost. Without this, a saturated
/// silo declared its whole fleet Lost at once (found by the placement benchmark: timers ran seconds late),
/// and every replica was reloaded. A node that really stopped is still found: late by the stall, and never
/// later than two lease durations after its last heartbeat, however late the checks keep running.
/// </summary>
/// <param name="duration">How long a heartbeat keeps the lease.</param>
/// <param name="checkInterval">How often the check is meant to run.</param>
internal sealed class HeartbeatLease(TimeSpan duration, TimeSpan checkInterval)
{
    private DateTimeOffset? _lastCheckAt;
    private DateTimeOffset _renewedAt;

    /// <summary>When the lease runs out unless renewed; null when no lease is held.</summary>
    public DateTimeOffset? ExpiresAt { get; private set; }

    /// <summary>A heartbeat (or a fresh start): the lease runs a full <c>duration</c> from now.</summary>
    public void Renew(DateTimeOffset now)
    {
        _renewedAt = now;
        ExpiresAt = now + duration;
    }

    /// <summary>No lease any more (the accelerator left the fleet).</summary>
    public void Release()
    {
        ExpiresAt = null;
        _lastCheckAt = null;
    }

    /// <summary>The periodic check: true when the lease ran out with no heartbeat, allowing for a late check.</summary>
    public bool HasExpired(DateTimeOffset now)
    {
        if (_lastCheckAt is { } last && ExpiresAt is { } expiry)
        {
            var lateness = now - last - checkInterval;
            if (lateness > checkInterval)
            {
                // Capped: checks that are late every time must not keep a silent node alive for ever.
                var extended = expiry + lateness;
                var latest = _renewedAt + (2 * duration);
                ExpiresAt = extended < latest ? extended : latest;
            }
        }

        _lastCheckAt = now;
        return ExpiresAt is { } expiresAt && now >= expiresAt;
    }
}
