namespace ControlPlane.Placement.Limits;

/// <summary>
/// A token-bucket limit counted in model tokens. Usage is charged after the fact (a request's size is
/// known only on completion), so the level may go below zero; the tenant is refused until it refills
/// above zero. Time comes from the caller, so tests drive it.
/// </summary>
public sealed class TokenBucket
{
    private double _level;
    private DateTimeOffset _updatedAt;

    /// <summary>A full bucket of <paramref name="capacity"/> tokens refilling at <paramref name="tokensPerSecond"/>.</summary>
    public TokenBucket(double capacity, double tokensPerSecond, DateTimeOffset now)
    {
        if (capacity <= 0 || double.IsNaN(capacity) || tokensPerSecond <= 0 || double.IsNaN(tokensPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), "a token bucket needs a positive capacity and refill rate");
        }

        Capacity = capacity;
        TokensPerSecond = tokensPerSecond;
        _level = capacity;
        _updatedAt = now;
    }

    /// <summary>Most tokens the bucket holds (the burst).</summary>
    public double Capacity { get; }

    /// <summary>Refill rate.</summary>
    public double TokensPerSecond { get; }

    /// <summary>Tokens available at <paramref name="now"/> (negative while in debt).</summary>
    public double Level(DateTimeOffset now)
    {
        Refill(now);
        return _level;
    }

    /// <summary>Whether a new request may start at <paramref name="now"/>.</summary>
    public bool Allows(DateTimeOffset now) => Level(now) > 0;

    /// <summary>Charges <paramref name="tokens"/> used.</summary>
    public void Charge(double tokens, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        Refill(now);
        _level -= tokens;
    }

    /// <summary>How long until a request is allowed again (zero when it is now).</summary>
    public TimeSpan RetryAfter(DateTimeOffset now)
    {
        var level = Level(now);
        return level > 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - level) / TokensPerSecond);
    }

    private void Refill(DateTimeOffset now)
    {
        if (now <= _updatedAt)
        {
            return;
        }

        _level = Math.Min(Capacity, _level + (now - _updatedAt).TotalSeconds * TokensPerSecond);
        _updatedAt = now;
    }
}
