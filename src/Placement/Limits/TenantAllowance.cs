using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;

namespace ControlPlane.Placement.Limits;

/// <summary>A tenant's allowances at one moment.</summary>
/// <param name="Exhausted">Pools (hardware classes) the tenant has used up; placements skip them (<c>PoolLimitFilter</c>).</param>
/// <param name="RetryAfter">When the earliest exhausted pool allows a request again; zero when none is exhausted.</param>
/// <param name="WaferTokensLeft">Tokens left in the wafer pool's bucket (negative in debt).</param>
/// <param name="GpuTokensLeft">Tokens left in the GPU pool's bucket.</param>
public readonly record struct AllowanceStatus(HardwareClassSet Exhausted, TimeSpan RetryAfter, double WaferTokensLeft, double GpuTokensLeft)
{
    /// <summary>Tokens left in the bucket of <paramref name="hardwareClass"/>.</summary>
    public double TokensLeft(HardwareClass hardwareClass) => hardwareClass == HardwareClass.WaferScale ? WaferTokensLeft : GpuTokensLeft;

    /// <summary>
    /// This status after <paramref name="tokens"/> more were used on <paramref name="hardwareClass"/>; null when
    /// that uses the pool up, since then only the buckets know when it refills (the retry-after a refusal carries).
    /// </summary>
    public AllowanceStatus? AfterCharge(HardwareClass hardwareClass, long tokens)
    {
        var left = TokensLeft(hardwareClass) - tokens;
        if (left <= 0)
        {
            return null;
        }

        return hardwareClass == HardwareClass.WaferScale ? this with { WaferTokensLeft = left } : this with { GpuTokensLeft = left };
    }

    /// <summary>The retry-after a refusal for want of allowance carries: the later of the engine's and the refill's.</summary>
    public TimeSpan RetryAfterRefusal(TimeSpan engineRetryAfter) => RetryAfter > engineRetryAfter ? RetryAfter : engineRetryAfter;
}

/// <summary>
/// One tenant's token allowances on one plan, a bucket per pool (hardware class): using the fast wafer pool
/// does not consume the GPU pool's allowance. Usage is charged after the fact (a completion's tokens), so a
/// bucket may go into debt; a pool allows requests while its bucket is above zero.
/// </summary>
public sealed class TenantAllowance
{
    private readonly TokenBucket _wafer;
    private readonly TokenBucket _gpu;

    /// <summary>Full buckets for <paramref name="limits"/> at <paramref name="now"/>.</summary>
    public TenantAllowance(PlanLimits limits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _wafer = Bucket(limits, HardwareClass.WaferScale, now);
        _gpu = Bucket(limits, HardwareClass.Gpu, now);
    }

    /// <summary>Which pools are used up, when the first refills, and what is left.</summary>
    public AllowanceStatus Status(DateTimeOffset now)
    {
        var exhausted = HardwareClassSet.None;
        var retry = TimeSpan.MaxValue;
        foreach (var (hardwareClass, bucket) in new[] { (HardwareClass.WaferScale, _wafer), (HardwareClass.Gpu, _gpu) })
        {
            if (!bucket.Allows(now))
            {
                exhausted = exhausted.With(hardwareClass);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks, bucket.RetryAfter(now).Ticks));
            }
        }

        return new AllowanceStatus(exhausted, exhausted.IsEmpty ? TimeSpan.Zero : retry, _wafer.Level(now), _gpu.Level(now));
    }

    /// <summary>Charges <paramref name="tokens"/> used on <paramref name="hardwareClass"/>.</summary>
    public void Charge(HardwareClass hardwareClass, long tokens, DateTimeOffset now) =>
        (hardwareClass == HardwareClass.WaferScale ? _wafer : _gpu).Charge(tokens, now);

    private static TokenBucket Bucket(PlanLimits limits, HardwareClass hardwareClass, DateTimeOffset now)
    {
        var perMinute = limits.TokensPerMinute(hardwareClass);
        return new TokenBucket(perMinute * limits.BurstMinutes, perMinute / 60, now);
    }
}
