namespace ControlPlane.HardwareAgents.Connection;

/// <summary>
/// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015):
/// attempt n waits a uniform random time in [0, min(max, initial * 2^n)], so a fleet that lost its silo
/// at the same moment does not reconnect in lockstep.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan initial, TimeSpan maximum, Random random)
{
    /// <summary>The ceiling of attempt <paramref name="attempt"/> (0-based) before jitter.</summary>
    public TimeSpan Ceiling(int attempt)
    {
        var exponent = Math.Min(attempt, 30);
        var ceiling = initial.TotalMilliseconds * Math.Pow(2, exponent);
        return TimeSpan.FromMilliseconds(Math.Min(ceiling, maximum.TotalMilliseconds));
    }

    /// <summary>How long to wait before attempt <paramref name="attempt"/>.</summary>
    public TimeSpan Delay(int attempt) => TimeSpan.FromMilliseconds(random.NextDouble() * Ceiling(attempt).TotalMilliseconds);
}
